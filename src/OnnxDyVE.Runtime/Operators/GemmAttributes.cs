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
        bool transA = AttributeFlags.Read(attributes.GetInt("transA"), false, "transA");
        bool transB = AttributeFlags.Read(attributes.GetInt("transB"), false, "transB");
        var spec = new GemmSpec(
            K: (int)(transB ? bShape[1] : bShape[0]),
            N: (int)(transB ? bShape[0] : bShape[1]),
            TransA: transA,
            TransB: transB,
            Alpha: attributes.GetFloat("alpha") ?? 1f,
            Beta: attributes.GetFloat("beta") ?? 1f,
            SkipZeroInputs: AttributeFlags.Read(attributes.GetInt(DyveSchema.SkipZeroInputs), true, DyveSchema.SkipZeroInputs),
            Activation: ActivationAttributes.Read(attributes),
            SpetPrefix: EffortAttributes.SpetPrefix(attributes),
            SpetDelta: EffortAttributes.Threshold(attributes, OnnxDyVE.Schema.DyveSchema.SpetDelta),
            ActivationScale: EffortAttributes.Scale(attributes, OnnxDyVE.Schema.DyveSchema.ActivationScale));
        spec.Validate();
        return spec;
    }
}
