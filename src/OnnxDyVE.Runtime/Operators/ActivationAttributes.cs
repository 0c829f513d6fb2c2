using OnnxDyVE.Schema;
using OnnxDyVE.Interop;
using OnnxDyVE.Kernels;

namespace OnnxDyVE.Operators;

/// <summary>
/// The fused activation of a DyVE operator: <c>activation</c> in {none, relu, leaky_relu, clip}, with
/// <c>activation_alpha</c> (LeakyRelu's slope, default 0.01 as in ONNX) and <c>activation_min</c> /
/// <c>activation_max</c> (Clip's bounds, default unbounded).
/// </summary>
internal static class ActivationAttributes
{
    public const string Kind = DyveSchema.Activation;
    public const string Alpha = DyveSchema.ActivationAlpha;
    public const string Min = DyveSchema.ActivationMin;
    public const string Max = DyveSchema.ActivationMax;

    public static Activation Read(IAttributeSource attributes)
    {
        string kind = attributes.GetString(Kind) ?? DyveSchema.ActivationKinds.None;
        switch (kind)
        {
            case DyveSchema.ActivationKinds.None:
                return Activation.None;
            case DyveSchema.ActivationKinds.Relu:
                return Activation.Relu;
            case DyveSchema.ActivationKinds.LeakyRelu:
                float alpha = attributes.GetFloat(Alpha) ?? 0.01f;
                if (!float.IsFinite(alpha)) throw new ArgumentException($"attribute '{Alpha}' must be finite, got {alpha}");
                return Activation.LeakyRelu(alpha);
            case DyveSchema.ActivationKinds.Clip:
                float min = attributes.GetFloat(Min) ?? float.NegativeInfinity;
                float max = attributes.GetFloat(Max) ?? float.PositiveInfinity;
                if (float.IsNaN(min) || float.IsNaN(max) || min > max)
                    throw new ArgumentException($"attributes '{Min}' ({min}) and '{Max}' ({max}) must be numbers with min <= max");
                return Activation.Clip(min, max);
            default:
                throw new ArgumentException($"attribute '{Kind}' is '{kind}'; expected one of none, relu, leaky_relu, clip");
        }
    }
}
