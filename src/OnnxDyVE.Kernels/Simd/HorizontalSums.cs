using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace OnnxDyVE.Kernels.Simd;

/// <summary>
/// Sums of the lanes of 128-bit vectors, the last step of a dot product: wider vectors are first folded to 128 bits by
/// adding their halves. Vector512.Sum and Vector256.Sum reduce every 128-bit quarter on its own (about 24 instructions
/// for a Vector512, measured in the JIT's output); folding first takes 7, and four sums at once share their last steps.
/// </summary>
internal static class HorizontalSums
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold(Vector512<float> value) => Fold(value.GetLower() + value.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold(Vector256<float> value) => value.GetLower() + value.GetUpper();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value)
    {
        value += Vector128.Shuffle(value, Vector128.Create(2, 3, 0, 1));
        value += Vector128.Shuffle(value, Vector128.Create(1, 0, 3, 2));
        return value.ToScalar();
    }

    /// <summary>(sum of a, sum of b, sum of c, sum of d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported) return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
    }
}
