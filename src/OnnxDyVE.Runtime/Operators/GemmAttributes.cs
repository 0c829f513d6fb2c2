using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>
/// DyveGemm's attributes: ONNX Gemm's, the fused activation, and DyVE's own (zero-input skipping, SPET and the activation
/// scale its margin is measured in).
/// </summary>
internal static class GemmAttributes
{
    /// <summary>The Gemm a node describes, given B's shape (K x N, or N x K with transB).</summary>
    public static GemmSpec Read(IAttributeSource attributes, ReadOnlySpan<long> bShape)
    {
        if (bShape.Length != 2)
            throw new ArgumentException($"input B has rank {bShape.Length}; Gemm takes a matrix");
        if (bShape[0] is <= 0 or > int.MaxValue || bShape[1] is <= 0 or > int.MaxValue)
            throw new ArgumentException($"input B has shape [{bShape[0]}, {bShape[1]}]");
        bool transA = Flag(attributes.GetInt("transA"), "transA");
        bool transB = Flag(attributes.GetInt("transB"), "transB");
        var spec = new GemmSpec(
            K: (int)(transB ? bShape[1] : bShape[0]),
            N: (int)(transB ? bShape[0] : bShape[1]),
            TransA: transA,
            TransB: transB,
            Alpha: attributes.GetFloat("alpha") ?? 1f,
            Beta: attributes.GetFloat("beta") ?? 1f,
            SkipZeroInputs: Flag(attributes.GetInt(DyveSchema.SkipZeroInputs) ?? 1, DyveSchema.SkipZeroInputs),
            Activation: ActivationAttributes.Read(attributes),
            SpetPrefix: EffortAttributes.SpetPrefix(attributes),
            SpetDelta: EffortAttributes.Threshold(attributes, OnnxDyVE.Schema.DyveSchema.SpetDelta),
            ActivationScale: EffortAttributes.Scale(attributes, OnnxDyVE.Schema.DyveSchema.ActivationScale));
        spec.Validate();
        return spec;
    }

    private static bool Flag(long? value, string name) => value switch
    {
        null or 0 => false,
        1 => true,
        _ => throw new ArgumentException($"attribute '{name}' must be 0 or 1, got {value}"),
    };
}
