using System.Globalization;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph;

/// <summary>The activations a DyVE operator can fuse into its output.</summary>
public enum LayerActivationKind
{
    None,
    Relu,
    LeakyRelu,
    Clip,
}

/// <summary>
/// The activation that ends a layer. The reference path spells it as a stock ONNX node after the layer, the
/// DyVE path as the operator's <c>activation*</c> attributes. It is described here rather than borrowed from the
/// kernels so that graph code does not depend on compute code.
/// </summary>
/// <param name="Kind">Which activation.</param>
/// <param name="Alpha">LeakyRelu's slope for negative inputs.</param>
/// <param name="Min">Clip's lower bound.</param>
/// <param name="Max">Clip's upper bound.</param>
public readonly record struct LayerActivation(LayerActivationKind Kind, float Alpha, float Min, float Max)
{
    public static LayerActivation None => new(LayerActivationKind.None, 0f, float.NegativeInfinity, float.PositiveInfinity);
    public static LayerActivation Relu => new(LayerActivationKind.Relu, 0f, float.NegativeInfinity, float.PositiveInfinity);
    public static LayerActivation LeakyRelu(float alpha) => new(LayerActivationKind.LeakyRelu, alpha, float.NegativeInfinity, float.PositiveInfinity);
    public static LayerActivation Clip(float min, float max) => new(LayerActivationKind.Clip, 0f, min, max);

    /// <summary>The value of the DyVE operators' <c>activation</c> attribute.</summary>
    public string AttributeValue => Kind switch
    {
        LayerActivationKind.Relu => DyveSchema.ActivationKinds.Relu,
        LayerActivationKind.LeakyRelu => DyveSchema.ActivationKinds.LeakyRelu,
        LayerActivationKind.Clip => DyveSchema.ActivationKinds.Clip,
        _ => DyveSchema.ActivationKinds.None,
    };

    public override string ToString() => Kind switch
    {
        LayerActivationKind.LeakyRelu => string.Create(CultureInfo.InvariantCulture, $"leaky_relu({Alpha})"),
        LayerActivationKind.Clip => string.Create(CultureInfo.InvariantCulture, $"clip({Min}, {Max})"),
        _ => AttributeValue,
    };
}
