using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Rewrites a float32 ONNX model to DyVE operators: Conv (+ BatchNormalization) (+ activation) to DyveConv;
/// Gemm, and MatMul (+ Add) with constant weights, (+ activation) to DyveGemm; a within-channel LRN spelled out in stock
/// operators to DyveLrn (<see cref="WithinChannelLrnFusion"/>). Everything else is left as it is. Node names, graph
/// inputs and outputs, value_info and metadata are kept, so that the rewritten model is a drop-in replacement;
/// rewriting a rewritten model changes nothing. Subgraphs are not rewritten. Every DyveConv
/// reads the run's effort from one graph input, <see cref="EffortInput"/>, whose initializer holds the default (0,
/// effort off): callers that do not feed it run the model as before. Tensors that flow only between DyveConv nodes,
/// exact at every effort as rewritten, get the blocked layout (<see cref="BlockedLayout"/>); calibration takes it
/// away while it works and gives it back to the nodes it leaves exact.
/// </summary>
public static class DyveRewriter
{
    /// <summary>
    /// The rewritten copy of <paramref name="model"/> and what was done to each node. Throws
    /// <see cref="RewriteException"/>, naming the node, when the model contradicts itself. <paramref name="wideFmaRate"/>:
    /// the 512-bit FMAs a cycle of the machine the model is for (<see cref="BlockedLayout.Apply"/>); this machine's unless
    /// given. Only the speed depends on it: either way the outputs are the original's.
    /// </summary>
    public static RewriteResult Rewrite(ModelProto model, int? wideFmaRate = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new RewriteException("the model has no graph");
        ModelProto result = model.Clone();
        int movedActivations = ActivationBeforeMaxPool.Apply(result);
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
            else
            {
                // A within-channel LRN is found from its last node; not one is no candidate left stock.
                if (WithinChannelLrnFusion.TryFuse(node, graph) is { } lrn) fusions[lrn.Anchor] = lrn;
                continue;
            }
            if (fusion is null) candidateReasons[node] = whyNot;
            else fusions[node] = fusion;
        }
        if (fusions.Count == 0)
        {
            EffortInput.Wire(result);
            RaiseToOverridableInitializers(result);
            return new RewriteResult(result, Report(graph, fusions, candidateReasons, new HashSet<NodeProto>()) with { ActivationsBeforePools = movedActivations });
        }

        var edit = new GraphEdit(graph, fusions);
        RewriteReport report = Report(graph, fusions, candidateReasons, edit.DroppedConstantNodes);
        edit.Apply(result);
        EffortInput.Wire(result);
        RaiseToOverridableInitializers(result);
        result = BlockedLayout.Apply(result, out int blocked, wideFmaRate: wideFmaRate);
        int Fused(string attribute) => result.Graph.Node.Count(n => n.Attribute.Any(a => a.Name == attribute));
        // Concats, Adds and Relus fused into DyveConvs are no longer nodes left alone.
        var present = result.Graph.Node.Select(n => n.Name).ToHashSet();
        report = WithPools(report, result, graph);
        return new RewriteResult(result, report with
        {
            Skipped = [.. report.Skipped.Where(s => present.Contains(s.Name))],
            ActivationsBeforePools = movedActivations, BlockedTensors = blocked, FusedSiblings = Fused(DyveSchema.FusedNodes), FusedResiduals = Fused(DyveSchema.FusedResidual),
        });
    }

    /// <summary>
    /// The IR version from which a graph input may have an initializer as its default (the caller may feed it):
    /// before it, every initializer had to be listed among the graph inputs, and ONNX Runtime treats all of them
    /// as constants that cannot be fed.
    /// </summary>
    internal const long OverridableInitializersIrVersion = 4;

    /// <summary>
    /// A model of IR version below 4 that now has the effort input is raised to IR version 4, and its initializers
    /// other than <see cref="EffortInput.Name"/> are taken off the graph inputs.
    /// </summary>
    /// <remarks>
    /// Why: under IR 3 (CNTK and early PyTorch exports, e.g. the ResNet18 ML.NET ships) every initializer is also
    /// a graph input, and ONNX Runtime then treats all of them as constants: the effort input the rewriter adds
    /// cannot be fed, so the run-time effort is stuck at the stored default and calibration, which feeds efforts
    /// run by run, fails. Raising the IR version alone would be wrong: every weight would become an input the
    /// caller may override, which ORT then cannot constant-fold, and which the rewriter refuses to fuse. So the
    /// other initializers leave the input list, where IR 4 no longer needs them: they stay constants, exactly as
    /// they were under IR 3, and <c>dyve_effort</c> is the one overridable input. Nothing else in IR 4 differs
    /// from IR 3 (IR 4 is what ONNX 1.3 wrote, with opset 8), so the model computes the same. A model with no
    /// effort input (nothing rewritten to DyveConv or DyveGemm) is left at its IR version: there is nothing to feed.
    /// </remarks>
    private static void RaiseToOverridableInitializers(ModelProto model)
    {
        if (model.IrVersion >= OverridableInitializersIrVersion) return;
        GraphProto graph = model.Graph;
        if (!graph.Input.Any(i => i.Name == EffortInput.Name)) return;
        HashSet<string> constants = [.. graph.Initializer.Select(t => t.Name).Where(n => n != EffortInput.Name)];
        for (int i = graph.Input.Count - 1; i >= 0; i--)
            if (constants.Contains(graph.Input[i].Name)) graph.Input.RemoveAt(i);
        model.IrVersion = OverridableInitializersIrVersion;
    }

    /// <summary>The report with the pools the blocked layout made DyveMaxPool or DyveAveragePool among the rewritten, in graph order.</summary>
    private static RewriteReport WithPools(RewriteReport report, ModelProto result, GraphIndex original)
    {
        Dictionary<string, string> pools = result.Graph.Node
            .Where(BlockedLayout.IsPool)
            .GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.First().OpType);
        if (pools.Count == 0) return report;
        var order = original.Graph.Node.Select((node, index) => (node.Name, index)).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.First().index);
        IEnumerable<RewrittenNode> converted = report.Skipped.Where(s => pools.ContainsKey(s.Name)).Select(s => new RewrittenNode(s.Name, s.OpType, pools[s.Name], []));
        return report with
        {
            Rewritten = [.. report.Rewritten.Concat(converted).OrderBy(n => order.GetValueOrDefault(n.Name, int.MaxValue))],
            Skipped = [.. report.Skipped.Where(s => !pools.ContainsKey(s.Name))],
        };
    }

    /// <summary>Per node of the original graph, in order: rewritten, absorbed (not listed), dropped, or skipped with its reason.</summary>
    private static RewriteReport Report(GraphIndex graph, Dictionary<NodeProto, Fusion> fusions, Dictionary<NodeProto, string> candidateReasons,
        IReadOnlySet<NodeProto> dropped)
    {
        var absorbed = fusions.Values.SelectMany(f => f.Absorbed).ToHashSet();
        var declined = new Dictionary<NodeProto, string>();
        foreach (Fusion fusion in fusions.Values)
            foreach ((NodeProto node, string reason) in fusion.Declined) declined[node] = reason;

        var rewritten = new List<RewrittenNode>();
        var skipped = new List<SkippedNode>();
        foreach (NodeProto node in graph.Graph.Node)
        {
            if (fusions.TryGetValue(node, out Fusion? fusion)) rewritten.Add(fusion.Report);
            else if (candidateReasons.TryGetValue(node, out string? reason)) skipped.Add(new SkippedNode(node.Name, node.OpType, IsCandidate: true, reason));
            else if (!absorbed.Contains(node) && !dropped.Contains(node))
                skipped.Add(new SkippedNode(node.Name, node.OpType, IsCandidate: false, declined.GetValueOrDefault(node) ?? WhyNoDyveOperator(node)));
        }
        return new RewriteReport(rewritten, skipped) { SubgraphCount = graph.SubgraphCount };
    }

    private static string WhyNoDyveOperator(NodeProto node) =>
        node.Domain == DyveSchema.Domain ? "already a DyVE operator"
        : OpTypes.IsDefaultDomain(node.Domain) ? $"no DyVE operator for {node.OpType}"
        : $"no DyVE operator for {node.Domain}.{node.OpType}";
}
