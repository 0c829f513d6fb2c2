using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// One planned replacement: <paramref name="Replacement"/> takes the place of <paramref name="Anchor"/> (the
/// Conv, Gemm or MatMul; a within-channel LRN's first node) and <paramref name="Absorbed"/> disappear; <paramref name="Declined"/> are followers
/// that could not be fused, with the reason, for the report.
/// </summary>
internal sealed record Fusion(
    NodeProto Anchor,
    NodeProto Replacement,
    IReadOnlyList<NodeProto> Absorbed,
    IReadOnlyList<TensorProto> NewInitializers,
    IReadOnlyDictionary<NodeProto, string> Declined,
    RewrittenNode Report);
