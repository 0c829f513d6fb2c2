using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// A Conv, Gemm or MatMul and the nodes after it that fold into the same DyVE node, followed one tensor at a
/// time. A follower is taken only when it is the sole reader of the chain's current output, so no other
/// node loses a tensor it reads.
/// </summary>
internal sealed class FusionChain(NodeProto anchor, GraphIndex graph)
{
    private readonly List<NodeProto> _absorbed = [];
    private readonly List<FusedNode> _fused = [];
    private readonly Dictionary<NodeProto, string> _declined = [];

    public NodeProto Anchor { get; } = anchor;
    public GraphIndex Graph { get; } = graph;

    /// <summary>The tensor the chain writes so far: the DyVE node's output.</summary>
    public string Output { get; private set; } = anchor.Output[0];

    /// <summary>
    /// The sole reader of <see cref="Output"/> when it is of the kind <paramref name="isKind"/> and reads it as
    /// its input <paramref name="dataInput"/> (any input when -1); readers of that kind that cannot be taken are
    /// declined with the reason.
    /// </summary>
    public NodeProto? Follower(Func<NodeProto, bool> isKind, int dataInput = 0)
    {
        NodeProto? sole = Graph.SoleConsumer(Output);
        if (sole is not null && isKind(sole) && (dataInput < 0 || (sole.Input.Count > dataInput && sole.Input[dataInput] == Output)))
            return sole;
        if (sole is null)
            foreach (NodeProto reader in Graph.Readers(Output))
                if (isKind(reader)) Decline(reader, Graph.WhyNotSoleConsumer(Output));
        return null;
    }

    public void Absorb(NodeProto node, FusionKind kind)
    {
        if (node.Output.Count < 1 || node.Output[0].Length == 0)
            throw new RewriteException($"{GraphIndex.Describe(node)} has no output");
        _absorbed.Add(node);
        _fused.Add(new FusedNode(node.Name, node.OpType, kind));
        Output = node.Output[0];
    }

    public void Decline(NodeProto node, string reason) => _declined[node] = $"not fused into '{Anchor.Name}': {reason}";

    /// <summary>Takes a following Relu, LeakyRelu or Clip when it can, and returns the activation to fuse.</summary>
    public FusedActivation FuseActivation()
    {
        NodeProto? next = Follower(ActivationFusion.IsActivation);
        if (next is null) return FusedActivation.None;
        FusedActivation? activation = ActivationFusion.Read(next, Graph, out string whyNot);
        if (activation is null)
        {
            Decline(next, whyNot);
            return FusedActivation.None;
        }
        Absorb(next, FusionKind.ActivationFused);
        return activation;
    }

    public Fusion Finish(NodeProto replacement, IReadOnlyList<TensorProto> newInitializers) =>
        new(Anchor, replacement, _absorbed, newInitializers, _declined,
            new RewrittenNode(replacement.Name, Anchor.OpType, replacement.OpType, _fused));
}
