using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration;

/// <summary>The DyveConv nodes of a model that SDSS and SPET apply to, and writing their settings.</summary>
public static class SdssNodes
{
    /// <summary>
    /// DyveConv nodes with stride 1 and one group: SDSS reads their input in place (strided and grouped
    /// convolutions ignore the setting, so it is not written to them).
    /// </summary>
    public static IReadOnlyList<NodeProto> Find(ModelProto model) =>
        model.Graph.Node.Where(n => n.Domain == DyveSchema.Domain && n.OpType == DyveSchema.ConvOp && Applies(n)).ToList();

    private static bool Applies(NodeProto node)
    {
        AttributeProto? strides = node.Attribute.FirstOrDefault(a => a.Name == "strides");
        AttributeProto? group = node.Attribute.FirstOrDefault(a => a.Name == "group");
        return (strides is null || strides.Ints.All(s => s == 1)) && (group is null || group.I == 1);
    }

    /// <summary>Whether the node's fused activation saturates (relu, or clip with a lower bound), which SPET needs.</summary>
    public static bool Saturates(NodeProto node)
    {
        string activation = node.Attribute.FirstOrDefault(a => a.Name == DyveSchema.Activation)?.S.ToStringUtf8() ?? DyveSchema.ActivationKinds.None;
        return activation == DyveSchema.ActivationKinds.Relu
            || activation == DyveSchema.ActivationKinds.Clip && GetFloat(node, DyveSchema.ActivationMin) is { } min && float.IsFinite(min);
    }

    /// <summary>Sets (or replaces) float attribute <paramref name="name"/> of <paramref name="node"/>.</summary>
    public static void SetFloat(NodeProto node, string name, float value) => Set(node, Graph.OnnxProto.Float(name, value));

    /// <summary>Sets (or replaces) ints attribute <paramref name="name"/> of <paramref name="node"/>.</summary>
    public static void SetInts(NodeProto node, string name, long[] values) => Set(node, Graph.OnnxProto.Ints(name, values));

    private static void Set(NodeProto node, AttributeProto attribute)
    {
        AttributeProto? existing = node.Attribute.FirstOrDefault(a => a.Name == attribute.Name);
        if (existing is not null) node.Attribute.Remove(existing);
        node.Attribute.Add(attribute);
    }

    public static float? GetFloat(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name && a.Type == AttributeProto.Types.AttributeType.Float)?.F;
}
