using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration;

/// <summary>
/// How each DyveConv node of a model with the blocked layout applied reads and writes its maps: the layouts of its
/// input and output, and whether a residual Add runs inside it.
/// </summary>
/// <remarks>
/// Why calibration needs it: a mechanism works on planar maps, so switching one on in a layer makes the tensors around
/// it planar, and its neighbours then run on other kernels (a planar input has no tile lists of live inputs; a planar
/// output takes the residual Add out of the convolution). Their cost changes with the step, and is the step's:
/// ResNet18 calibrated for operations counted only each step's own layer and ended at 1.36x fewer operations, below the
/// 1.41x its exact model gives.
/// </remarks>
public static class LayerLayouts
{
    /// <summary>Per DyveConv node name, how it reads and writes its maps in <paramref name="model"/>.</summary>
    public static IReadOnlyDictionary<string, string> Of(ModelProto model) => model.Graph.Node
        .Where(n => n.Domain == DyveSchema.Domain && n.OpType == DyveSchema.ConvOp)
        .ToDictionary(n => n.Name, n => $"{Layout(n, DyveSchema.InputLayout)} -> {Layout(n, DyveSchema.OutputLayout)}"
            + (n.Input.Count > DyveSchema.ResidualInput ? " + residual" : ""));

    /// <summary>The nodes of <paramref name="after"/> that read or write their maps otherwise than in <paramref name="before"/> (or are new in it).</summary>
    public static IReadOnlySet<string> Changed(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        after.Where(a => !before.TryGetValue(a.Key, out string? b) || b != a.Value).Select(a => a.Key).ToHashSet();

    private static string Layout(NodeProto node, string attribute) =>
        node.Attribute.FirstOrDefault(a => a.Name == attribute)?.S.ToStringUtf8() ?? DyveSchema.Layouts.Planar;
}
