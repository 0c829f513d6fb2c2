using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// A single row of A against B's packed panels: the batch-1 fully connected layer, which streams B once from
/// memory and is bound by that. <see cref="GemmTile{TLane,TVec}"/> would broadcast six rows of which five are
/// padding; this reads four panels side by side instead, four memory streams with one broadcast per k, and
/// keeps one accumulator chain per output vector, so leaving out zero inputs changes no rounding.
/// </summary>
internal static unsafe class GemvTile<TLane, TVec>
    where TLane : struct, ISimdLane<TVec>
    where TVec : struct
{
    /// <summary>y[0, 4 x tile width) = epilogue(sum over k of a[k] x row k of panels b0..b3); all columns exist.</summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run4<TRows>(float* a, TRows b0, TRows b1, TRows b2, TRows b3, nint kLength, float* y, in TileEpilogue epilogue)
        where TRows : struct, IVectorOperandRows
    {
        TVec c0 = TLane.Zero, c1 = TLane.Zero, c2 = TLane.Zero, c3 = TLane.Zero;
        TVec c4 = TLane.Zero, c5 = TLane.Zero, c6 = TLane.Zero, c7 = TLane.Zero;
        nint width = TLane.Count;
        for (nint k = 0; k < kLength; k++)
        {
            // y[j] += a[k] * b[k][j]
            TVec x = TLane.Broadcast(a[k]);
            float* r0 = b0.Row(k), r1 = b1.Row(k), r2 = b2.Row(k), r3 = b3.Row(k);
            c0 = TLane.MultiplyAdd(x, TLane.Load(ref *r0), c0);
            c1 = TLane.MultiplyAdd(x, TLane.Load(ref *(r0 + width)), c1);
            c2 = TLane.MultiplyAdd(x, TLane.Load(ref *r1), c2);
            c3 = TLane.MultiplyAdd(x, TLane.Load(ref *(r1 + width)), c3);
            c4 = TLane.MultiplyAdd(x, TLane.Load(ref *r2), c4);
            c5 = TLane.MultiplyAdd(x, TLane.Load(ref *(r2 + width)), c5);
            c6 = TLane.MultiplyAdd(x, TLane.Load(ref *r3), c6);
            c7 = TLane.MultiplyAdd(x, TLane.Load(ref *(r3 + width)), c7);
        }
        TLane.Store(epilogue.Apply<TLane, TVec>(c0, 0, 0), ref *y);
        TLane.Store(epilogue.Apply<TLane, TVec>(c1, 0, width), ref *(y + width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c2, 0, 2 * width), ref *(y + 2 * width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c3, 0, 3 * width), ref *(y + 3 * width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c4, 0, 4 * width), ref *(y + 4 * width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c5, 0, 5 * width), ref *(y + 5 * width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c6, 0, 6 * width), ref *(y + 6 * width));
        TLane.Store(epilogue.Apply<TLane, TVec>(c7, 0, 7 * width), ref *(y + 7 * width));
    }

    /// <summary>y[0, columns) of one panel; columns may be fewer than the panel's two vectors (the layer's last panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run1<TRows>(float* a, TRows b, nint kLength, float* y, int columns, in TileEpilogue epilogue)
        where TRows : struct, IVectorOperandRows
    {
        TVec c0 = TLane.Zero, c1 = TLane.Zero;
        nint width = TLane.Count;
        for (nint k = 0; k < kLength; k++)
        {
            TVec x = TLane.Broadcast(a[k]);
            float* row = b.Row(k);
            c0 = TLane.MultiplyAdd(x, TLane.Load(ref *row), c0);
            c1 = TLane.MultiplyAdd(x, TLane.Load(ref *(row + width)), c1);
        }
        if (columns == 2 * width)
        {
            TLane.Store(epilogue.Apply<TLane, TVec>(c0, 0, 0), ref *y);
            TLane.Store(epilogue.Apply<TLane, TVec>(c1, 0, width), ref *(y + width));
            return;
        }
        // A ragged right edge, element by element (inlined: no call may sit in this method).
        Unsafe.SkipInit(out TileRowSpill spill);
        ref float first = ref spill[0];
        TLane.Store(c0, ref first);
        TLane.Store(c1, ref Unsafe.Add(ref first, width));
        for (int j = 0; j < columns; j++)
            y[j] = epilogue.Apply(Unsafe.Add(ref first, j), 0, j);
    }
}
