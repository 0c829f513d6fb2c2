using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// The register-blocked core every DyVE kernel runs on: a tile of <see cref="PanelLayout.Rows"/> rows by two
/// vectors of columns, C = (accumulate ? C : 0) + A·B over a range of K. A gives Rows values per k to
/// broadcast through <see cref="IBroadcastOperand"/>: a packed panel, or output positions read in place;
/// each row of B is two contiguous vectors found through <see cref="IVectorOperandRows"/>: a
/// packed panel, or rows read in place (a convolution's input, shifted per tap). A range of K is any run of
/// k, so callers can compute a prefix of K, finish the rest for chosen tiles, or leave out runs of K (whole
/// input channels) without a change here.
/// </summary>
internal static unsafe class GemmTile<TLane, TVec>
    where TLane : struct, ISimdLane<TVec>
    where TVec : struct
{
    public static int Columns => 2 * TLane.Count;

    /// <param name="a">Packed A panel at the first k: Rows floats per k.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TRows>(float* a, TRows b, nint kLength, float* c, nint ldc, float* partial, nint partialLdc,
        int rows, int columns, bool accumulate, bool finish, in TileEpilogue epilogue)
        where TRows : struct, IVectorOperandRows =>
        Run(new PackedBroadcast(a), b, kLength, c, ldc, partial, partialLdc, rows, columns, accumulate, finish, epilogue);

    /// <param name="a">A's values at the first k, one per row.</param>
    /// <param name="b">Row k of B: Columns floats from <c>b.Row(k)</c>.</param>
    /// <param name="kLength">Number of k to accumulate.</param>
    /// <param name="c">The tile's first output element.</param>
    /// <param name="ldc">Output elements between rows.</param>
    /// <param name="partial">With <paramref name="accumulate"/>, where the sums so far are read: c itself, or a scratch tile.</param>
    /// <param name="partialLdc">Elements between rows of <paramref name="partial"/>.</param>
    /// <param name="rows">Rows of the tile to store (at most Rows).</param>
    /// <param name="columns">Columns of the tile to store (at most Columns).</param>
    /// <param name="accumulate">Add to what C holds (a later block of K) instead of overwriting it.</param>
    /// <param name="finish">Apply <paramref name="epilogue"/>: this is the last block of K.</param>
    /// <param name="epilogue">Bias and activation, positioned at the tile's first element.</param>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBroadcast, TRows>(TBroadcast a, TRows b, nint kLength, float* c, nint ldc, float* partial, nint partialLdc,
        int rows, int columns, bool accumulate, bool finish, in TileEpilogue epilogue)
        where TBroadcast : struct, IBroadcastOperand
        where TRows : struct, IVectorOperandRows
    {
        // Twelve accumulators: six rows of A broadcast against two vectors of B. With 16 vector registers
        // (AVX2, NEON has 32) this leaves room for the two B vectors and one broadcast.
        TVec c00 = TLane.Zero, c01 = TLane.Zero, c10 = TLane.Zero, c11 = TLane.Zero;
        TVec c20 = TLane.Zero, c21 = TLane.Zero, c30 = TLane.Zero, c31 = TLane.Zero;
        TVec c40 = TLane.Zero, c41 = TLane.Zero, c50 = TLane.Zero, c51 = TLane.Zero;
        if (accumulate)
        {
            // The sums so far start the chains, rather than being added at the end: every k then lands in one
            // unbroken chain of FMAs however K was cut, so leaving out k whose terms are zero changes no bit.
            (c00, c01) = LoadRow(partial, columns);
            if (rows > 1) (c10, c11) = LoadRow(partial + partialLdc, columns);
            if (rows > 2) (c20, c21) = LoadRow(partial + 2 * partialLdc, columns);
            if (rows > 3) (c30, c31) = LoadRow(partial + 3 * partialLdc, columns);
            if (rows > 4) (c40, c41) = LoadRow(partial + 4 * partialLdc, columns);
            if (rows > 5) (c50, c51) = LoadRow(partial + 5 * partialLdc, columns);
        }
        nint width = TLane.Count;
        for (nint k = 0; k < kLength; k++)
        {
            // c[r][j] += a[k][r] * b[k][j]
            float* row = b.Row(k);
            TVec b0 = TLane.Load(ref *row);
            TVec b1 = TLane.Load(ref *(row + width));
            TVec a0 = TLane.Broadcast(a.Value(0));
            c00 = TLane.MultiplyAdd(a0, b0, c00);
            c01 = TLane.MultiplyAdd(a0, b1, c01);
            TVec a1 = TLane.Broadcast(a.Value(1));
            c10 = TLane.MultiplyAdd(a1, b0, c10);
            c11 = TLane.MultiplyAdd(a1, b1, c11);
            TVec a2 = TLane.Broadcast(a.Value(2));
            c20 = TLane.MultiplyAdd(a2, b0, c20);
            c21 = TLane.MultiplyAdd(a2, b1, c21);
            TVec a3 = TLane.Broadcast(a.Value(3));
            c30 = TLane.MultiplyAdd(a3, b0, c30);
            c31 = TLane.MultiplyAdd(a3, b1, c31);
            TVec a4 = TLane.Broadcast(a.Value(4));
            c40 = TLane.MultiplyAdd(a4, b0, c40);
            c41 = TLane.MultiplyAdd(a4, b1, c41);
            TVec a5 = TLane.Broadcast(a.Value(5));
            c50 = TLane.MultiplyAdd(a5, b0, c50);
            c51 = TLane.MultiplyAdd(a5, b1, c51);
            a.Next();
        }

        StoreRow(c00, c01, c, 0, columns, finish, epilogue);
        if (rows > 1) StoreRow(c10, c11, c + ldc, 1, columns, finish, epilogue);
        if (rows > 2) StoreRow(c20, c21, c + 2 * ldc, 2, columns, finish, epilogue);
        if (rows > 3) StoreRow(c30, c31, c + 3 * ldc, 3, columns, finish, epilogue);
        if (rows > 4) StoreRow(c40, c41, c + 4 * ldc, 4, columns, finish, epilogue);
        if (rows > 5) StoreRow(c50, c51, c + 5 * ldc, 5, columns, finish, epilogue);
    }

    /// <summary>A row of sums so far, as the two vectors of a tile row; columns past <paramref name="columns"/> are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) LoadRow(float* row, int columns)
    {
        nint width = TLane.Count;
        if (columns == 2 * width) return (TLane.Load(ref *row), TLane.Load(ref *(row + width)));
        // A ragged row: through a zeroed spill, element by element (inlined, as everything in Run must be).
        Unsafe.SkipInit(out TileRowSpill spill);
        ref float first = ref spill[0];
        for (int j = 0; j < 2 * width; j++) Unsafe.Add(ref first, j) = j < columns ? row[j] : 0f;
        return (TLane.Load(ref first), TLane.Load(ref Unsafe.Add(ref first, width)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TVec v0, TVec v1, float* row, nint rowIndex, int columns, bool finish, in TileEpilogue epilogue)
    {
        nint width = TLane.Count;
        if (columns == 2 * width)
        {
            if (finish)
            {
                v0 = epilogue.Apply<TLane, TVec>(v0, rowIndex, 0);
                v1 = epilogue.Apply<TLane, TVec>(v1, rowIndex, width);
            }
            TLane.Store(v0, ref *row);
            TLane.Store(v1, ref *(row + width));
            return;
        }

        StoreRagged(v0, v1, row, rowIndex, columns, finish, epilogue);
    }

    /// <summary>
    /// A ragged right edge: spill the row and finish it element by element. Inlined on purpose: a call
    /// anywhere in <see cref="Run"/> clobbers every vector register (they are all caller-saved), and the
    /// JIT then keeps the twelve accumulators in memory inside the k loop, a fourfold slowdown.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRagged(TVec v0, TVec v1, float* row, nint rowIndex, int columns, bool finish, in TileEpilogue epilogue)
    {
        nint width = TLane.Count;
        Unsafe.SkipInit(out TileRowSpill spill);
        ref float first = ref spill[0];
        TLane.Store(v0, ref first);
        TLane.Store(v1, ref Unsafe.Add(ref first, width));
        for (int j = 0; j < columns; j++)
        {
            float value = Unsafe.Add(ref first, j);
            if (finish) value = epilogue.Apply(value, rowIndex, j);
            row[j] = value;
        }
    }
}

/// <summary>Room for one row of the widest tile (two Vector512 of floats).</summary>
[InlineArray(32)]
internal struct TileRowSpill
{
    private float _element;
}
