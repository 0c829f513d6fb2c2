namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// ONNX Gemm with a constant B: Y = act(alpha * A' * B' + beta * C), A' = transA ? A^T : A (M x K),
/// B' = transB ? B^T : B (K x N), C broadcast to M x N.
/// </summary>
/// <param name="SkipZeroInputs">
/// Exact mechanism: at small batches (up to <see cref="GemmKernel.SkipZeroInputsMaxRows"/> rows), k where
/// every row of A is zero are left out, so their rows of B are never read. Fully connected layers after a ReLU
/// are mostly zeros at batch 1 and bound by reading B. The result is bit-identical: a skipped term would have
/// added 0 x w (w finite) to the sum.
/// </param>
/// <param name="SpetPrefix">
/// SPET (saturation prediction and early termination): the share of K, in [0, 1), that every output computes before
/// its test, in an order of significance fixed from the weights; 0 turns SPET off. Needs a saturating activation
/// (relu or clip). See <see cref="SpetPlan"/>.
/// </param>
/// <param name="SpetDelta">How far SPET predicts at effort 1 (t = effort x SpetDelta; 0: exact SPET only).</param>
/// <param name="ActivationScale">The layer's activation scale (RMS of its outputs on calibration images): SPET's margin beyond t = 1 is in these units.</param>
public sealed record GemmSpec(
    int K,
    int N,
    bool TransA = false,
    bool TransB = false,
    float Alpha = 1f,
    float Beta = 1f,
    Activation Activation = default,
    bool SkipZeroInputs = false,
    float SpetPrefix = 0,
    float SpetDelta = 0,
    float ActivationScale = 1)
{
    public bool UsesSpet => SpetPrefix > 0;

    public void Validate()
    {
        if (K <= 0 || N <= 0) throw new ArgumentException($"B must have positive dimensions, got K {K} x N {N}");
        if (!float.IsFinite(Alpha)) throw new ArgumentException($"alpha must be finite, got {Alpha}");
        if (!float.IsFinite(Beta)) throw new ArgumentException($"beta must be finite, got {Beta}");
        if (!(SpetPrefix >= 0 && SpetPrefix < 1)) throw new ArgumentException($"spet_prefix must be in [0, 1), got {SpetPrefix}");
        if (!(float.IsFinite(SpetDelta) && SpetDelta >= 0)) throw new ArgumentException($"spet_delta must be finite and not negative, got {SpetDelta}");
        if (!(float.IsFinite(ActivationScale) && ActivationScale > 0))
            throw new ArgumentException($"activation_scale must be finite and positive, got {ActivationScale}");
        // Only a saturating activation has a value SPET can predict: with none or leaky_relu every output carries information.
        if (UsesSpet && Activation.Kind is not (ActivationKind.Relu or ActivationKind.Clip))
            throw new ArgumentException($"spet_prefix {SpetPrefix} needs a saturating activation (relu or clip); the activation is {Activation.Name}");
    }
}

/// <summary>How C is broadcast to M x N: element (m, n) is C[m * RowStride + n * ColumnStride].</summary>
public readonly record struct GemmBias(nint RowStride, nint ColumnStride)
{
    /// <summary>
    /// The broadcast of a C of shape <paramref name="shape"/> (rank 0 to 2) onto M x N, by ONNX's
    /// unidirectional broadcasting rules; throws if it does not broadcast.
    /// </summary>
    public static GemmBias For(ReadOnlySpan<long> shape, int m, int n)
    {
        if (shape.Length > 2) throw new ArgumentException($"C has rank {shape.Length}; Gemm takes C of rank 0, 1 or 2");
        long rows = shape.Length == 2 ? shape[0] : 1;
        long columns = shape.Length >= 1 ? shape[^1] : 1;
        if (rows != 1 && rows != m || columns != 1 && columns != n)
            throw new ArgumentException($"C of shape [{string.Join(", ", shape.ToArray())}] does not broadcast to the output [{m}, {n}]");
        return new GemmBias(rows == 1 ? 0 : (nint)columns, columns == 1 ? 0 : 1);
    }
}
