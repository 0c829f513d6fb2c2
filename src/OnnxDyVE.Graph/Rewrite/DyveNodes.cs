using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>What the fusions over blocked maps (<see cref="SiblingFusion"/>, <see cref="ResidualFusion"/>) ask of a node.</summary>
internal static class DyveNodes
{
    public static bool IsConv(NodeProto node) => node.OpType == DyveSchema.ConvOp && node.Domain == DyveSchema.Domain;

    /// <summary>A DyveConv that writes blocked maps (exact and of one group: the layout's own rule), not fused yet.</summary>
    public static bool IsBlockedExactConv(NodeProto node) =>
        IsConv(node) && node.Output.Count == 1 && node.Input.Count >= 2
        && node.Attribute.Any(a => a.Name == DyveSchema.OutputLayout && a.S.ToStringUtf8() == DyveSchema.Layouts.Blocked)
        && (node.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1) == 1
        && !node.Attribute.Any(a => a.Name is DyveSchema.PointwiseChannels or DyveSchema.FusedResidual);

    /// <summary>Whether <paramref name="reader"/> is the only reader of <paramref name="tensor"/>, which no subgraph reads and is no graph output.</summary>
    public static bool ReadOnlyBy(string tensor, NodeProto reader, GraphIndex graph) =>
        graph.Readers(tensor) is [{ } only] && only == reader && !graph.IsReadBySubgraph(tensor) && !graph.Graph.Output.Any(o => o.Name == tensor);
}
