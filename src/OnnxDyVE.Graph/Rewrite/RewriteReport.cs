namespace OnnxDyVE.Graph.Rewrite;

/// <summary>How a node that follows a Conv, Gemm or MatMul was absorbed into the DyVE node that replaced them.</summary>
public enum FusionKind
{
    /// <summary>A BatchNormalization folded into the convolution's weights and bias.</summary>
    BatchNormalizationFolded,
    /// <summary>An Add of a constant bias, which became DyveGemm's C.</summary>
    BiasAdded,
    /// <summary>A Relu, LeakyRelu or Clip, which became the DyVE node's activation attributes.</summary>
    ActivationFused,
    /// <summary>A node of a local response normalization spelled out in stock operators, which became one DyveLrn.</summary>
    NormalizationFused,
}

/// <summary>A node absorbed into a DyVE node.</summary>
public sealed record FusedNode(string Name, string OpType, FusionKind Kind);

/// <summary>
/// One DyVE node and what it replaced: the node whose name it took (a Conv, Gemm or MatMul; an LRN's last Mul) and the
/// nodes fused into it, in graph order.
/// </summary>
public sealed record RewrittenNode(string Name, string OriginalOp, string NewOp, IReadOnlyList<FusedNode> Fused)
{
    /// <summary>The op types replaced, in graph order: the original op, then each fused node's.</summary>
    public IReadOnlyList<string> OriginalOps => [OriginalOp, .. Fused.Select(node => node.OpType)];
}

/// <summary>
/// A node left as it was, and why. <paramref name="IsCandidate"/> is true for the Conv, Gemm and MatMul nodes a
/// DyVE operator could have replaced; false for nodes no DyVE operator covers.
/// </summary>
public sealed record SkippedNode(string Name, string OpType, bool IsCandidate, string Reason);

/// <summary>What a rewrite did: every DyVE node written, and every node of the main graph left alone with its reason.</summary>
public sealed record RewriteReport(IReadOnlyList<RewrittenNode> Rewritten, IReadOnlyList<SkippedNode> Skipped)
{
    /// <summary>Subgraphs (If, Loop and Scan bodies) found; they are left as they are, their nodes neither rewritten nor listed.</summary>
    public int SubgraphCount { get; init; }

    /// <summary>Activations after a max pool moved ahead of it, into the convolution before it (<see cref="ActivationBeforeMaxPool"/>).</summary>
    public int ActivationsBeforePools { get; init; }

    /// <summary>Tensors between exact DyveConv nodes given the blocked layout (<see cref="BlockedLayout"/>).</summary>
    public int BlockedTensors { get; init; }

    /// <summary>Concats of a 1x1 and a spatial DyveConv of one input (fire modules) made one DyveConv with pointwise channels.</summary>
    public int FusedSiblings { get; init; }

    /// <summary>Residual Adds (with the Relu after them) taken into the DyveConv before them as its input Z.</summary>
    public int FusedResiduals { get; init; }

    /// <summary>Nodes absorbed of <paramref name="kind"/>, over all DyVE nodes.</summary>
    public int FusedCount(FusionKind kind) => Rewritten.Sum(node => node.Fused.Count(fused => fused.Kind == kind));

    /// <summary>DyVE nodes written with op type <paramref name="newOp"/>.</summary>
    public int RewrittenCount(string newOp) => Rewritten.Count(node => node.NewOp == newOp);
}

/// <summary>The rewritten model and the report of what changed. The input model is not modified.</summary>
public sealed record RewriteResult(Onnx.ModelProto Model, RewriteReport Report);
