namespace OnnxDyVE.Schema;

/// <summary>
/// When a DyveConv's weights count as pruned: its kernel then multiplies only the nonzero ones, and the rewriter leaves a
/// fire module's expands apart, since a fused node's 1x1 half is dense and runs slower that way than on dense tiles.
/// Deep Compression's SqueezeNet keeps 20%-33% of its 3x3 expands' weights and conv10's.
/// </summary>
public static class SparseWeights
{
    /// <summary>
    /// The largest share of nonzero weights taken as pruned. At 30%-33% (SqueezeNet's 3x3 expands) the sparse kernel ran
    /// 1.1x-1.4x faster than the dense one inside the network (each expand alone, ORT's profiler, 1 thread); a broadcast and
    /// a load per vector of multiply-adds cost what dense tiles' register reuse saves well before half the weights are gone.
    /// </summary>
    public const double MaximumDensity = 0.4;

    /// <summary>Whether <paramref name="weights"/> are pruned: at most <see cref="MaximumDensity"/> of them nonzero.</summary>
    public static bool ArePruned(ReadOnlySpan<float> weights) =>
        !weights.IsEmpty && weights.Length - weights.Count(0f) <= MaximumDensity * weights.Length;
}
