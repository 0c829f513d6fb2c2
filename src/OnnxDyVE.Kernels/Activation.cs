using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels;

public enum ActivationKind
{
    None,
    Relu,
    LeakyRelu,
    Clip,
}

/// <summary>The activation fused into a DyVE operator's output, with ONNX's semantics.</summary>
public readonly record struct Activation(ActivationKind Kind, float Alpha, float Min, float Max)
{
    public static Activation None => new(ActivationKind.None, 0f, float.NegativeInfinity, float.PositiveInfinity);
    public static Activation Relu => new(ActivationKind.Relu, 0f, 0f, float.PositiveInfinity);
    public static Activation LeakyRelu(float alpha) => new(ActivationKind.LeakyRelu, alpha, float.NegativeInfinity, float.PositiveInfinity);
    public static Activation Clip(float min, float max) => new(ActivationKind.Clip, 0f, min, max);

    /// <summary>The name the operators' <c>activation</c> attribute uses.</summary>
    public string Name => Kind switch
    {
        ActivationKind.Relu => "relu",
        ActivationKind.LeakyRelu => "leaky_relu",
        ActivationKind.Clip => "clip",
        _ => "none",
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => Kind switch
    {
        ActivationKind.Relu => x > 0f ? x : 0f,
        ActivationKind.LeakyRelu => x >= 0f ? x : Alpha * x,
        ActivationKind.Clip => x < Min ? Min : (x > Max ? Max : x),
        _ => x,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal TVec Apply<TLane, TVec>(TVec x)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        // Tests, not a switch: a tile finishes up to 24 vectors in straight-line code, and a switch there is a jump
        // table's indirect jump per vector; these are predicted compares, ReLU's first.
        if (Kind == ActivationKind.Relu) return TLane.Max(x, TLane.Zero);
        if (Kind == ActivationKind.None) return x;
        if (Kind == ActivationKind.Clip) return TLane.Min(TLane.Max(x, TLane.Broadcast(Min)), TLane.Broadcast(Max));
        // Leaky ReLU: max(x, 0) + alpha * min(x, 0), no compare-and-select needed.
        return TLane.MultiplyAdd(TLane.Broadcast(Alpha), TLane.Min(x, TLane.Zero), TLane.Max(x, TLane.Zero));
    }
}
