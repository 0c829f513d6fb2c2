using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Rewrites a float32 ONNX model to DyVE operators: Conv (+ BatchNormalization) (+ activation) to DyveConv;
/// Gemm, and MatMul (+ Add) with constant weights, (+ activation) to DyveGemm. Everything else is left as it
/// is. Node names, graph inputs and outputs, value_info and metadata are kept, so that the rewritten model is a
/// drop-in replacement; rewriting a rewritten model changes nothing. Subgraphs are not rewritten.
/// </summary>
public static class DyveRewriter
{
    /// <summary>
    /// The rewritten copy of <paramref name="model"/> and what was done to each node. Throws
    /// <see cref="RewriteException"/>, naming the node, when the model contradicts itself.
    /// </summary>
    public static RewriteResult Rewrite(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new RewriteException("the model has no graph");
        ModelProto result = model.Clone();
        var graph = new GraphIndex(result);
        var names = new NameAllocator(graph.Names);

        var fusions = new Dictionary<NodeProto, Fusion>();
        var candidateReasons = new Dictionary<NodeProto, string>();
        foreach (NodeProto node in graph.Graph.Node)
        {
            Fusion? fusion = null;
            string whyNot = "";
            if (OpTypes.Is(node, OpTypes.Conv)) fusion = ConvFusion.TryFuse(node, graph, names, out whyNot);
            else if (OpTypes.Is(node, OpTypes.Gemm)) fusion = GemmFusion.TryFuse(node, graph, out whyNot);
            else if (OpTypes.Is(node, OpTypes.MatMul)) fusion = MatMulFusion.TryFuse(node, graph, out whyNot);
            else continue;
            if (fusion is null) candidateReasons[node] = whyNot;
            else fusions[node] = fusion;
        }

        var absorbed = fusions.Values.SelectMany(f => f.Absorbed).ToHashSet();
        var declined = new Dictionary<NodeProto, string>();
        foreach (Fusion fusion in fusions.Values)
            foreach ((NodeProto node, string reason) in fusion.Declined) declined[node] = reason;

        var rewritten = new List<RewrittenNode>();
        var skipped = new List<SkippedNode>();
        var nodes = new List<NodeProto>();
        foreach (NodeProto node in graph.Graph.Node)
        {
            if (fusions.TryGetValue(node, out Fusion? fusion))
            {
                nodes.Add(fusion.Replacement);
                rewritten.Add(fusion.Report);
            }
            else if (!absorbed.Contains(node))
            {
                nodes.Add(node);
                skipped.Add(candidateReasons.TryGetValue(node, out string? reason)
                    ? new SkippedNode(node.Name, node.OpType, IsCandidate: true, reason)
                    : new SkippedNode(node.Name, node.OpType, IsCandidate: false, declined.GetValueOrDefault(node) ?? WhyNoDyveOperator(node)));
            }
        }

        if (fusions.Count > 0) Apply(result, graph, fusions.Values, nodes);
        return new RewriteResult(result, new RewriteReport(rewritten, skipped) { SubgraphCount = graph.SubgraphCount });
    }

    private static string WhyNoDyveOperator(NodeProto node) =>
        node.Domain == DyveSchema.Domain ? "already a DyVE operator"
        : OpTypes.IsDefaultDomain(node.Domain) ? $"no DyVE operator for {node.OpType}"
        : $"no DyVE operator for {node.Domain}.{node.OpType}";

    /// <summary>Puts the new nodes and initializers in, and takes out what only the replaced nodes used.</summary>
    private static void Apply(ModelProto model, GraphIndex index, IEnumerable<Fusion> fusions, List<NodeProto> nodes)
    {
        GraphProto graph = model.Graph;
        var replaced = fusions.SelectMany(f => f.Absorbed.Prepend(f.Anchor)).ToList();
        graph.Node.Clear();
        graph.Node.Add(nodes);
        graph.Initializer.Add(fusions.SelectMany(f => f.NewInitializers));

        var read = nodes.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        var written = nodes.SelectMany(n => n.Output).ToHashSet();
        var orphaned = replaced.SelectMany(n => n.Input).Where(name => !read.Contains(name) && !index.IsReadBySubgraph(name)).ToHashSet();
        RemoveWhere(graph.Initializer, t => orphaned.Contains(t.Name));
        // Before IR version 4 initializers could be listed as graph inputs too; such an entry goes with its initializer.
        RemoveWhere(graph.Input, v => orphaned.Contains(v.Name) && index.Constant(v.Name, out _) is not null);
        // value_info of tensors that only existed between fused nodes describes nothing any more.
        var vanished = replaced.SelectMany(n => n.Output).Where(name => !written.Contains(name)).ToHashSet();
        RemoveWhere(graph.ValueInfo, v => vanished.Contains(v.Name));

        if (!model.OpsetImport.Any(o => o.Domain == DyveSchema.Domain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = DyveSchema.Domain, Version = DyveSchema.OpsetVersion });
    }

    private static void RemoveWhere<T>(Google.Protobuf.Collections.RepeatedField<T> items, Func<T, bool> remove)
    {
        for (int i = items.Count - 1; i >= 0; i--)
            if (remove(items[i])) items.RemoveAt(i);
    }
}
