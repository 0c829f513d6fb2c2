namespace OnnxDyVE.Schema;

/// <summary>
/// When a DyveConv's weights count as pruned: its kernel then multiplies only the nonzero ones, and the rewriter leaves a
/// fire module's expands apart where that is faster (<see cref="RunApart"/>), since a fused node's halves run on dense
/// tiles (Winograd's for the spatial half, on AVX-512).
/// Deep Compression's SqueezeNet keeps 20%-33% of its 3x3 expands' weights and conv10's.
/// </summary>
public static class SparseWeights
{
    /// <summary>
    /// The largest share of nonzero weights taken as pruned. At 30%-33% (SqueezeNet's 3x3 expands) the sparse kernel ran
    /// 1.1x-1.4x faster than the dense one inside the network on Zen 4 (each expand alone, ORT's profiler, 1 thread); a broadcast and
    /// a load per vector of multiply-adds cost what dense tiles' register reuse saves well before half the weights are gone.
    /// </summary>
    public const double MaximumDensity = 0.4;

    /// <summary>
    /// Whether a fire module whose spatial expand is pruned runs faster with its expands apart, the spatial one on the sparse
    /// kernel, than as one node on dense tiles, on a machine whose cores retire <paramref name="wideFmasPerCycle"/> 512-bit
    /// FMAs a cycle (<see cref="WideFmaRate"/>). The sparse kernel is bound by its loads, one per vector of MACs, so a second
    /// FMA unit speeds the dense tiles only. SqueezeNet, 1 thread, interleaved with stock ORT: on Zen 4 (one) apart 1.21x of
    /// stock, fused 1.05x; on Intel Ice Lake (two) apart 0.89x, fused 1.00x-1.08x, and with the fused node's 3x3 half on
    /// Winograd's tiles (2026-11-29) fused 1.32x faster than apart. Not measured again on a one-FMA core.
    /// </summary>
    public static bool RunApart(int wideFmasPerCycle) => wideFmasPerCycle < 2;

    /// <summary>Whether <paramref name="weights"/> are pruned: at most <see cref="MaximumDensity"/> of them nonzero.</summary>
    public static bool ArePruned(ReadOnlySpan<float> weights) =>
        !weights.IsEmpty && weights.Length - weights.Count(0f) <= MaximumDensity * weights.Length;
}
