using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>The activation attributes a DyVE node gets in place of a separate activation node.</summary>
internal sealed record FusedActivation(IReadOnlyList<AttributeProto> Attributes)
{
    public static readonly FusedActivation None = new([OnnxProto.String(DyveSchema.Activation, DyveSchema.ActivationKinds.None)]);
}

/// <summary>Relu, LeakyRelu and Clip nodes as DyVE activation attributes.</summary>
internal static class ActivationFusion
{
    /// <summary>ONNX's LeakyRelu slope when the attribute is absent.</summary>
    private const float DefaultLeakyReluAlpha = 0.01f;

    /// <summary>Clip's inputs min and max replaced its attributes in opset 11.</summary>
    private const long ClipBoundsAsInputsOpset = 11;

    public static bool IsActivation(NodeProto node) =>
        OpTypes.Is(node, OpTypes.Relu) || OpTypes.Is(node, OpTypes.LeakyRelu) || OpTypes.Is(node, OpTypes.Clip);

    /// <summary>The activation <paramref name="node"/> computes, or null with the reason when it cannot be fused.</summary>
    public static FusedActivation? Read(NodeProto node, GraphIndex graph, out string whyNot)
    {
        whyNot = "";
        switch (node.OpType)
        {
            case OpTypes.Relu:
                return Activation(DyveSchema.ActivationKinds.Relu);
            case OpTypes.LeakyRelu:
                float alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? DefaultLeakyReluAlpha;
                return Activation(DyveSchema.ActivationKinds.LeakyRelu, OnnxProto.Float(DyveSchema.ActivationAlpha, alpha));
            default:
                return Clip(node, graph, out whyNot);
        }
    }

    private static FusedActivation? Clip(NodeProto node, GraphIndex graph, out string whyNot)
    {
        whyNot = "";
        // ONNX Runtime clamps to the finite float range when a bound is absent; so does the fused Clip, to stay exact.
        float min = float.MinValue, max = float.MaxValue;
        if (graph.DefaultOpset < ClipBoundsAsInputsOpset)
        {
            min = node.Attribute.FirstOrDefault(a => a.Name == "min")?.F ?? min;
            max = node.Attribute.FirstOrDefault(a => a.Name == "max")?.F ?? max;
        }
        else if (!Bound(node, 1, graph, ref min, out whyNot) || !Bound(node, 2, graph, ref max, out whyNot))
        {
            return null;
        }
        if (float.IsNaN(min) || float.IsNaN(max) || min > max)
        {
            whyNot = $"Clip bounds [{min}, {max}] are not an interval";
            return null;
        }
        return Activation(DyveSchema.ActivationKinds.Clip,
            OnnxProto.Float(DyveSchema.ActivationMin, min), OnnxProto.Float(DyveSchema.ActivationMax, max));
    }

    /// <summary>Reads Clip's optional input <paramref name="index"/> (min or max) when present: it must be a constant float scalar.</summary>
    private static bool Bound(NodeProto node, int index, GraphIndex graph, ref float value, out string whyNot)
    {
        whyNot = "";
        if (node.Input.Count <= index || node.Input[index].Length == 0) return true;
        TensorProto? tensor = graph.FloatConstant(node.Input[index], index == 1 ? "Clip's min" : "Clip's max", out whyNot);
        if (tensor is null) return false;
        float[] values = TensorData.Floats(tensor, GraphIndex.Describe(node));
        if (values.Length != 1)
        {
            whyNot = $"Clip bound '{tensor.Name}' has {values.Length} values; a scalar is expected";
            return false;
        }
        value = values[0];
        return true;
    }

    private static FusedActivation Activation(string kind, params AttributeProto[] parameters) =>
        new([OnnxProto.String(DyveSchema.Activation, kind), .. parameters]);
}
