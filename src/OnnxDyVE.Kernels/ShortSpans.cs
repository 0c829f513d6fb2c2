using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels;

/// <summary>
/// Copies and zero-fills of a few dozen floats at most, which packing does millions of times per layer:
/// inlined vector moves, the last one overlapping the one before, since a call into Memmove costs more than
/// such a copy. The widest width the process accelerates that fits the count is used.
/// </summary>
internal static unsafe class ShortSpans
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* source, float* destination, int count)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count) Move<Lane512, Vector512<float>>(source, destination, count);
        else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count) Move<Lane256, Vector256<float>>(source, destination, count);
        else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count) Move<Lane128, Vector128<float>>(source, destination, count);
        else Move<LaneScalar, float>(source, destination, count);
    }

    /// <summary>Zeroes <paramref name="count"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(float* destination, int count)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count) Move<Lane512, Vector512<float>>(null, destination, count);
        else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count) Move<Lane256, Vector256<float>>(null, destination, count);
        else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count) Move<Lane128, Vector128<float>>(null, destination, count);
        else Move<LaneScalar, float>(null, destination, count);
    }

    /// <summary>destination[i] = source == null ? 0 : source[i], for count &gt;= one vector (any count when scalar).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Move<TLane, TVec>(float* source, float* destination, int count)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int width = TLane.Count;
        int i = 0;
        for (; i <= count - width; i += width)
            TLane.Store(source == null ? TLane.Zero : TLane.Load(ref source[i]), ref destination[i]);
        if (i < count)
        {
            int last = count - width;
            TLane.Store(source == null ? TLane.Zero : TLane.Load(ref source[last]), ref destination[last]);
        }
    }
}
