using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// SPET's remainder: for each output still alive after the test, the dot product of the row's remaining inputs with
/// that output's remaining weights (contiguous in <see cref="SpetPlan.Remainder"/>), added to its partial sum and
/// finished by the epilogue. Four alive outputs at a time share each loaded vector of inputs; dead outputs' weights
/// are never read.
/// </summary>
internal static unsafe class AliveDots<TLane, TVec>
    where TLane : struct, ISimdLane<TVec>
    where TVec : struct
{
    /// <param name="x">The row's remaining inputs, <paramref name="stride"/> floats (zero-padded past the remainder).</param>
    /// <param name="weights">Output n's remaining weights at n x stride.</param>
    /// <param name="stride">A multiple of the lane's width.</param>
    /// <param name="alive">The outputs to finish, <paramref name="count"/> of them.</param>
    /// <param name="y">The row of Y, holding the partial sums; the epilogue is positioned at its column 0.</param>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* x, float* weights, nint stride, int* alive, int count, float* y, in TileEpilogue epilogue)
    {
        nint width = TLane.Count;
        int i = 0;
        for (; i + 4 <= count; i += 4)
        {
            int n0 = alive[i], n1 = alive[i + 1], n2 = alive[i + 2], n3 = alive[i + 3];
            float* w0 = weights + n0 * stride, w1 = weights + n1 * stride, w2 = weights + n2 * stride, w3 = weights + n3 * stride;
            TVec c0 = TLane.Zero, c1 = TLane.Zero, c2 = TLane.Zero, c3 = TLane.Zero;
            for (nint j = 0; j < stride; j += width)
            {
                // y[n] += x[j] * w_n[j]
                TVec input = TLane.Load(ref x[j]);
                c0 = TLane.MultiplyAdd(input, TLane.Load(ref w0[j]), c0);
                c1 = TLane.MultiplyAdd(input, TLane.Load(ref w1[j]), c1);
                c2 = TLane.MultiplyAdd(input, TLane.Load(ref w2[j]), c2);
                c3 = TLane.MultiplyAdd(input, TLane.Load(ref w3[j]), c3);
            }
            y[n0] = epilogue.Apply(y[n0] + TLane.Sum(c0), 0, n0);
            y[n1] = epilogue.Apply(y[n1] + TLane.Sum(c1), 0, n1);
            y[n2] = epilogue.Apply(y[n2] + TLane.Sum(c2), 0, n2);
            y[n3] = epilogue.Apply(y[n3] + TLane.Sum(c3), 0, n3);
        }
        for (; i < count; i++)
        {
            int n = alive[i];
            float* w = weights + n * stride;
            TVec c = TLane.Zero;
            for (nint j = 0; j < stride; j += width) c = TLane.MultiplyAdd(TLane.Load(ref x[j]), TLane.Load(ref w[j]), c);
            y[n] = epilogue.Apply(y[n] + TLane.Sum(c), 0, n);
        }
    }
}
