using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Simd;

/// <summary>
/// The horizontal sum of a lane's vector, which <see cref="ISimdLane{TVec}"/> does not have. The type tests are
/// constants of each instantiation, so the JIT keeps only the one that applies.
/// </summary>
internal static class LaneSum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of<TVec>(TVec value) where TVec : struct
    {
        if (typeof(TVec) == typeof(Vector512<float>)) return Vector512.Sum(Unsafe.As<TVec, Vector512<float>>(ref value));
        if (typeof(TVec) == typeof(Vector256<float>)) return Vector256.Sum(Unsafe.As<TVec, Vector256<float>>(ref value));
        if (typeof(TVec) == typeof(Vector128<float>)) return Vector128.Sum(Unsafe.As<TVec, Vector128<float>>(ref value));
        return Unsafe.As<TVec, float>(ref value);
    }
}
