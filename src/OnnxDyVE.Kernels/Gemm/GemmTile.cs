using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        Run(new PackedBroadcast(a), b, kLength, c, ldc, partial, partialLdc, rows, columns, accumulate, finish, epilogue, TLane.Count);

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
    /// <param name="vectorStride">
    /// Floats from a full row's first vector to its second, in C and in the partial sums: one vector where rows are
    /// contiguous, a map of blocks where the output is blocked (each vector its own block of channels).
    /// </param>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBroadcast, TRows>(TBroadcast a, TRows b, nint kLength, float* c, nint ldc, float* partial, nint partialLdc,
        int rows, int columns, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride)
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
            (c00, c01) = LoadRow(partial, columns, vectorStride);
            if (rows > 1) (c10, c11) = LoadRow(partial + partialLdc, columns, vectorStride);
            if (rows > 2) (c20, c21) = LoadRow(partial + 2 * partialLdc, columns, vectorStride);
            if (rows > 3) (c30, c31) = LoadRow(partial + 3 * partialLdc, columns, vectorStride);
            if (rows > 4) (c40, c41) = LoadRow(partial + 4 * partialLdc, columns, vectorStride);
            if (rows > 5) (c50, c51) = LoadRow(partial + 5 * partialLdc, columns, vectorStride);
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

        if (finish && columns == 2 * width && epilogue.IsPlainBias(1, out bool relu))
        {
            TVec e0 = TLane.Load(ref *epilogue.Bias), e1 = TLane.Load(ref *(epilogue.Bias + width));
            (c00, c01, c10, c11) = (Biased(c00, e0, relu), Biased(c01, e1, relu), Biased(c10, e0, relu), Biased(c11, e1, relu));
            (c20, c21, c30, c31) = (Biased(c20, e0, relu), Biased(c21, e1, relu), Biased(c30, e0, relu), Biased(c31, e1, relu));
            (c40, c41, c50, c51) = (Biased(c40, e0, relu), Biased(c41, e1, relu), Biased(c50, e0, relu), Biased(c51, e1, relu));
            finish = false;
        }
        else if (finish && columns == 2 * width && epilogue.IsPlainBias(0, out relu))
        {
            float* bias = epilogue.Bias;
            (c00, c01) = BiasedRow(c00, c01, bias[0], relu);
            if (rows > 1) (c10, c11) = BiasedRow(c10, c11, bias[1], relu);
            if (rows > 2) (c20, c21) = BiasedRow(c20, c21, bias[2], relu);
            if (rows > 3) (c30, c31) = BiasedRow(c30, c31, bias[3], relu);
            if (rows > 4) (c40, c41) = BiasedRow(c40, c41, bias[4], relu);
            if (rows > 5) (c50, c51) = BiasedRow(c50, c51, bias[5], relu);
            finish = false;
        }
        StoreRow(c00, c01, c, 0, columns, finish, epilogue, vectorStride);
        if (rows > 1) StoreRow(c10, c11, c + ldc, 1, columns, finish, epilogue, vectorStride);
        if (rows > 2) StoreRow(c20, c21, c + 2 * ldc, 2, columns, finish, epilogue, vectorStride);
        if (rows > 3) StoreRow(c30, c31, c + 3 * ldc, 3, columns, finish, epilogue, vectorStride);
        if (rows > 4) StoreRow(c40, c41, c + 4 * ldc, 4, columns, finish, epilogue, vectorStride);
        if (rows > 5) StoreRow(c50, c51, c + 5 * ldc, 5, columns, finish, epilogue, vectorStride);
    }

    /// <summary>
    /// Two packed panels of A (twelve rows, the second panel's <typeparamref name="TSecond"/> of them computed) against
    /// the same full rows of B (no ragged columns): 24 accumulators, which only a 32-register file holds (AVX-512), so each
    /// row of B loaded and each call made serve twice the FMAs of <see cref="Run{TRows}"/>. Rows 6-11 are
    /// <paramref name="a1"/>'s, of which the first <paramref name="secondRows"/> are real and stored: a group's last rows
    /// past whole pairs (32 outputs: 24 in pairs, then 6 + 2) take the pair with the second panel at two, three or four
    /// rows (<see cref="TwoRows"/>, <see cref="ThreeRows"/>, <see cref="FourRows"/>; else <see cref="SixRows"/>), where one
    /// panel and then another of six would compute 36 rows. No ragged path and no spill buffer here: an address-taken local in the method makes the JIT
    /// keep accumulators in memory.
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPair<TRows, TSecond>(float* a0, float* a1, TRows b, nint kLength, float* c, nint ldc, float* partial, nint partialLdc,
        int secondRows, bool accumulate, bool finish, in TileEpilogue epilogue)
        where TRows : struct, IVectorOperandRows
        where TSecond : struct
    {
        Debug.Assert(secondRows >= 1 && secondRows <= TileRows.Height<TSecond>());
        // Which of the second panel's rows are computed: JIT-time constants.
        bool three = typeof(TSecond) != typeof(TwoRows), six = typeof(TSecond) == typeof(SixRows);
        bool four = six || typeof(TSecond) == typeof(FourRows);
        nint width = TLane.Count;
        TVec c00 = TLane.Zero, c01 = TLane.Zero, c10 = TLane.Zero, c11 = TLane.Zero;
        TVec c20 = TLane.Zero, c21 = TLane.Zero, c30 = TLane.Zero, c31 = TLane.Zero;
        TVec c40 = TLane.Zero, c41 = TLane.Zero, c50 = TLane.Zero, c51 = TLane.Zero;
        TVec d00 = TLane.Zero, d01 = TLane.Zero, d10 = TLane.Zero, d11 = TLane.Zero;
        TVec d20 = TLane.Zero, d21 = TLane.Zero, d30 = TLane.Zero, d31 = TLane.Zero;
        TVec d40 = TLane.Zero, d41 = TLane.Zero, d50 = TLane.Zero, d51 = TLane.Zero;
        if (accumulate)
        {
            // Rows past the real ones read the last real row's sums (results dropped): never past the scratch.
            float* p = partial;
            c00 = TLane.Load(ref *p); c01 = TLane.Load(ref *(p + width)); p += partialLdc;
            c10 = TLane.Load(ref *p); c11 = TLane.Load(ref *(p + width)); p += partialLdc;
            c20 = TLane.Load(ref *p); c21 = TLane.Load(ref *(p + width)); p += partialLdc;
            c30 = TLane.Load(ref *p); c31 = TLane.Load(ref *(p + width)); p += partialLdc;
            c40 = TLane.Load(ref *p); c41 = TLane.Load(ref *(p + width)); p += partialLdc;
            c50 = TLane.Load(ref *p); c51 = TLane.Load(ref *(p + width)); p += partialLdc;
            d00 = TLane.Load(ref *p); d01 = TLane.Load(ref *(p + width)); p = secondRows > 1 ? p + partialLdc : p;
            d10 = TLane.Load(ref *p); d11 = TLane.Load(ref *(p + width)); p = secondRows > 2 ? p + partialLdc : p;
            if (three) { d20 = TLane.Load(ref *p); d21 = TLane.Load(ref *(p + width)); }
            if (four)
            {
                p = secondRows > 3 ? p + partialLdc : p;
                d30 = TLane.Load(ref *p); d31 = TLane.Load(ref *(p + width));
            }
            if (six)
            {
                p = secondRows > 4 ? p + partialLdc : p;
                d40 = TLane.Load(ref *p); d41 = TLane.Load(ref *(p + width)); p = secondRows > 5 ? p + partialLdc : p;
                d50 = TLane.Load(ref *p); d51 = TLane.Load(ref *(p + width));
            }
        }
        for (nint k = 0; k < kLength; k++)
        {
            float* row = b.Row(k);
            TVec b0 = TLane.Load(ref *row);
            TVec b1 = TLane.Load(ref *(row + width));
            TVec x = TLane.Broadcast(a0[0]);
            c00 = TLane.MultiplyAdd(x, b0, c00);
            c01 = TLane.MultiplyAdd(x, b1, c01);
            x = TLane.Broadcast(a0[1]);
            c10 = TLane.MultiplyAdd(x, b0, c10);
            c11 = TLane.MultiplyAdd(x, b1, c11);
            x = TLane.Broadcast(a0[2]);
            c20 = TLane.MultiplyAdd(x, b0, c20);
            c21 = TLane.MultiplyAdd(x, b1, c21);
            x = TLane.Broadcast(a0[3]);
            c30 = TLane.MultiplyAdd(x, b0, c30);
            c31 = TLane.MultiplyAdd(x, b1, c31);
            x = TLane.Broadcast(a0[4]);
            c40 = TLane.MultiplyAdd(x, b0, c40);
            c41 = TLane.MultiplyAdd(x, b1, c41);
            x = TLane.Broadcast(a0[5]);
            c50 = TLane.MultiplyAdd(x, b0, c50);
            c51 = TLane.MultiplyAdd(x, b1, c51);
            x = TLane.Broadcast(a1[0]);
            d00 = TLane.MultiplyAdd(x, b0, d00);
            d01 = TLane.MultiplyAdd(x, b1, d01);
            x = TLane.Broadcast(a1[1]);
            d10 = TLane.MultiplyAdd(x, b0, d10);
            d11 = TLane.MultiplyAdd(x, b1, d11);
            if (three)
            {
                x = TLane.Broadcast(a1[2]);
                d20 = TLane.MultiplyAdd(x, b0, d20);
                d21 = TLane.MultiplyAdd(x, b1, d21);
            }
            if (four)
            {
                x = TLane.Broadcast(a1[3]);
                d30 = TLane.MultiplyAdd(x, b0, d30);
                d31 = TLane.MultiplyAdd(x, b1, d31);
            }
            if (six)
            {
                x = TLane.Broadcast(a1[4]);
                d40 = TLane.MultiplyAdd(x, b0, d40);
                d41 = TLane.MultiplyAdd(x, b1, d41);
                x = TLane.Broadcast(a1[5]);
                d50 = TLane.MultiplyAdd(x, b0, d50);
                d51 = TLane.MultiplyAdd(x, b1, d51);
            }
            a0 += PanelLayout.Rows;
            a1 += PanelLayout.Rows;
        }

        if (finish && epilogue.IsPlainBias(0, out bool relu))
        {
            // The bias of real rows only: the buffer ends at the group's last.
            float* bias = epilogue.Bias;
            (c00, c01) = BiasedRow(c00, c01, bias[0], relu);
            (c10, c11) = BiasedRow(c10, c11, bias[1], relu);
            (c20, c21) = BiasedRow(c20, c21, bias[2], relu);
            (c30, c31) = BiasedRow(c30, c31, bias[3], relu);
            (c40, c41) = BiasedRow(c40, c41, bias[4], relu);
            (c50, c51) = BiasedRow(c50, c51, bias[5], relu);
            (d00, d01) = BiasedRow(d00, d01, bias[6], relu);
            if (secondRows > 1) (d10, d11) = BiasedRow(d10, d11, bias[7], relu);
            if (three && secondRows > 2) (d20, d21) = BiasedRow(d20, d21, bias[8], relu);
            if (four && secondRows > 3) (d30, d31) = BiasedRow(d30, d31, bias[9], relu);
            if (six && secondRows > 4) (d40, d41) = BiasedRow(d40, d41, bias[10], relu);
            if (six && secondRows > 5) (d50, d51) = BiasedRow(d50, d51, bias[11], relu);
            finish = false;
        }
        StoreFullRow(c00, c01, c, 0, finish, epilogue);
        StoreFullRow(c10, c11, c + ldc, 1, finish, epilogue);
        StoreFullRow(c20, c21, c + 2 * ldc, 2, finish, epilogue);
        StoreFullRow(c30, c31, c + 3 * ldc, 3, finish, epilogue);
        StoreFullRow(c40, c41, c + 4 * ldc, 4, finish, epilogue);
        StoreFullRow(c50, c51, c + 5 * ldc, 5, finish, epilogue);
        StoreFullRow(d00, d01, c + 6 * ldc, 6, finish, epilogue);
        if (secondRows > 1) StoreFullRow(d10, d11, c + 7 * ldc, 7, finish, epilogue);
        if (three && secondRows > 2) StoreFullRow(d20, d21, c + 8 * ldc, 8, finish, epilogue);
        if (four && secondRows > 3) StoreFullRow(d30, d31, c + 9 * ldc, 9, finish, epilogue);
        if (six && secondRows > 4) StoreFullRow(d40, d41, c + 10 * ldc, 10, finish, epilogue);
        if (six && secondRows > 5) StoreFullRow(d50, d51, c + 11 * ldc, 11, finish, epilogue);
    }

    /// <summary>
    /// <see cref="RunPair{TRows, TSecond}"/> against one vector of B's columns: a last column panel of at most one vector's
    /// columns (a 13 x 13 map's 169 positions leave 9 past five panels of 32), which the pair multiplies as two. Twelve
    /// accumulators, each row's broadcast folded into its FMA. AVX-512 only: the finished rows' first
    /// <paramref name="columns"/> columns are stored through a mask (partial sums, into scratch rows of full panels, whole).
    /// The epilogue's bias must be one a row (or none), as a convolution's is.
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPairNarrow<TRows>(float* a0, float* a1, TRows b, nint kLength, float* c, nint ldc, float* partial, nint partialLdc,
        int columns, bool accumulate, bool finish, in TileEpilogue epilogue)
        where TRows : struct, IVectorOperandRows
    {
        Debug.Assert(typeof(TVec) == typeof(Vector512<float>) && columns <= TLane.Count && epilogue.ColumnStride == 0);
        TVec c0 = TLane.Zero, c1 = TLane.Zero, c2 = TLane.Zero, c3 = TLane.Zero, c4 = TLane.Zero, c5 = TLane.Zero;
        TVec d0 = TLane.Zero, d1 = TLane.Zero, d2 = TLane.Zero, d3 = TLane.Zero, d4 = TLane.Zero, d5 = TLane.Zero;
        if (accumulate)
        {
            float* p = partial;
            c0 = TLane.Load(ref *p); c1 = TLane.Load(ref *(p + partialLdc)); c2 = TLane.Load(ref *(p + 2 * partialLdc));
            c3 = TLane.Load(ref *(p + 3 * partialLdc)); c4 = TLane.Load(ref *(p + 4 * partialLdc)); c5 = TLane.Load(ref *(p + 5 * partialLdc));
            p += 6 * partialLdc;
            d0 = TLane.Load(ref *p); d1 = TLane.Load(ref *(p + partialLdc)); d2 = TLane.Load(ref *(p + 2 * partialLdc));
            d3 = TLane.Load(ref *(p + 3 * partialLdc)); d4 = TLane.Load(ref *(p + 4 * partialLdc)); d5 = TLane.Load(ref *(p + 5 * partialLdc));
        }
        for (nint k = 0; k < kLength; k++)
        {
            TVec v = TLane.Load(ref *b.Row(k));
            c0 = TLane.MultiplyAdd(TLane.Broadcast(a0[0]), v, c0);
            c1 = TLane.MultiplyAdd(TLane.Broadcast(a0[1]), v, c1);
            c2 = TLane.MultiplyAdd(TLane.Broadcast(a0[2]), v, c2);
            c3 = TLane.MultiplyAdd(TLane.Broadcast(a0[3]), v, c3);
            c4 = TLane.MultiplyAdd(TLane.Broadcast(a0[4]), v, c4);
            c5 = TLane.MultiplyAdd(TLane.Broadcast(a0[5]), v, c5);
            d0 = TLane.MultiplyAdd(TLane.Broadcast(a1[0]), v, d0);
            d1 = TLane.MultiplyAdd(TLane.Broadcast(a1[1]), v, d1);
            d2 = TLane.MultiplyAdd(TLane.Broadcast(a1[2]), v, d2);
            d3 = TLane.MultiplyAdd(TLane.Broadcast(a1[3]), v, d3);
            d4 = TLane.MultiplyAdd(TLane.Broadcast(a1[4]), v, d4);
            d5 = TLane.MultiplyAdd(TLane.Broadcast(a1[5]), v, d5);
            a0 += PanelLayout.Rows;
            a1 += PanelLayout.Rows;
        }
        if (!finish)
        {
            TLane.Store(c0, ref *c); TLane.Store(c1, ref *(c + ldc)); TLane.Store(c2, ref *(c + 2 * ldc));
            TLane.Store(c3, ref *(c + 3 * ldc)); TLane.Store(c4, ref *(c + 4 * ldc)); TLane.Store(c5, ref *(c + 5 * ldc));
            c += 6 * ldc;
            TLane.Store(d0, ref *c); TLane.Store(d1, ref *(c + ldc)); TLane.Store(d2, ref *(c + 2 * ldc));
            TLane.Store(d3, ref *(c + 3 * ldc)); TLane.Store(d4, ref *(c + 4 * ldc)); TLane.Store(d5, ref *(c + 5 * ldc));
            return;
        }
        if (epilogue.IsPlainBias(0, out bool relu))
        {
            float* bias = epilogue.Bias;
            (c0, c1, c2) = (Biased(c0, TLane.Broadcast(bias[0]), relu), Biased(c1, TLane.Broadcast(bias[1]), relu), Biased(c2, TLane.Broadcast(bias[2]), relu));
            (c3, c4, c5) = (Biased(c3, TLane.Broadcast(bias[3]), relu), Biased(c4, TLane.Broadcast(bias[4]), relu), Biased(c5, TLane.Broadcast(bias[5]), relu));
            (d0, d1, d2) = (Biased(d0, TLane.Broadcast(bias[6]), relu), Biased(d1, TLane.Broadcast(bias[7]), relu), Biased(d2, TLane.Broadcast(bias[8]), relu));
            (d3, d4, d5) = (Biased(d3, TLane.Broadcast(bias[9]), relu), Biased(d4, TLane.Broadcast(bias[10]), relu), Biased(d5, TLane.Broadcast(bias[11]), relu));
        }
        else
        {
            (c0, c1, c2) = (epilogue.Apply<TLane, TVec>(c0, 0, 0), epilogue.Apply<TLane, TVec>(c1, 1, 0), epilogue.Apply<TLane, TVec>(c2, 2, 0));
            (c3, c4, c5) = (epilogue.Apply<TLane, TVec>(c3, 3, 0), epilogue.Apply<TLane, TVec>(c4, 4, 0), epilogue.Apply<TLane, TVec>(c5, 5, 0));
            (d0, d1, d2) = (epilogue.Apply<TLane, TVec>(d0, 6, 0), epilogue.Apply<TLane, TVec>(d1, 7, 0), epilogue.Apply<TLane, TVec>(d2, 8, 0));
            (d3, d4, d5) = (epilogue.Apply<TLane, TVec>(d3, 9, 0), epilogue.Apply<TLane, TVec>(d4, 10, 0), epilogue.Apply<TLane, TVec>(d5, 11, 0));
        }
        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns)).AsSingle();
        StoreMasked(c0, c, mask); StoreMasked(c1, c + ldc, mask); StoreMasked(c2, c + 2 * ldc, mask);
        StoreMasked(c3, c + 3 * ldc, mask); StoreMasked(c4, c + 4 * ldc, mask); StoreMasked(c5, c + 5 * ldc, mask);
        c += 6 * ldc;
        StoreMasked(d0, c, mask); StoreMasked(d1, c + ldc, mask); StoreMasked(d2, c + 2 * ldc, mask);
        StoreMasked(d3, c + 3 * ldc, mask); StoreMasked(d4, c + 4 * ldc, mask); StoreMasked(d5, c + 5 * ldc, mask);
    }

    /// <summary>The lanes of a Vector512 <paramref name="value"/> that <paramref name="mask"/> keeps, at <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMasked(TVec value, float* destination, Vector512<float> mask) =>
        Avx512F.MaskStore(destination, mask, Unsafe.As<TVec, Vector512<float>>(ref value));

    /// <summary>
    /// Output positions (<paramref name="origins"/> in <paramref name="padded"/>, read at <paramref name="offsets"/> per k)
    /// in tiles of six rows against two packed column panels of B at once (four vectors per k: <paramref name="left"/>'s two,
    /// then <paramref name="right"/>'s): 24 accumulators on AVX-512, the shape of MLAS's NCHWc kernel (positions x
    /// output channels). Columns are full; a last tile's rows past the list are computed and not stored. Row i lands at
    /// <paramref name="tiles"/> + i x <paramref name="ldc"/>, its four vectors <paramref name="vectorStride"/> floats apart
    /// (one vector: the right panel lands <see cref="Columns"/> floats after the left); with
    /// <paramref name="accumulate"/>, the sums so far are read there. The tiles loop here rather than in the caller: a
    /// call per tile passed its operands through the stack, a sixth of a short tile's time (K 16 to 144).
    /// Each tile multiplies runs [<paramref name="firstRun"/>, <paramref name="lastRun"/>) of <paramref name="runs"/> (k
    /// counted from <paramref name="offsets"/>, <paramref name="left"/> and <paramref name="right"/>) with its sums in
    /// registers throughout: stepping over a gap between runs (zero maps) costs a few instructions, not a store and a
    /// load of every sum. With <paramref name="next"/>, the next pass's rows of both panels (<paramref name="nextFloats"/>
    /// floats of the left one from there, the right one as far on as <paramref name="right"/> is from
    /// <paramref name="left"/>) are prefetched into L1 a share after each tile but the first, which loads this pass's.
    /// With <paramref name="live"/>, each tile takes instead its own k of each pass (exact zero inputs; runs are then passes).
    /// </summary>
    public static void RunWideTiles<TWidth>(float* padded, nint* origins, int count, nint* offsets, float* left, float* right,
        in KSegments runs, int firstRun, int lastRun, float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride,
        float* next = null, nint nextFloats = 0, in LiveTaps live = default, bool consecutive = false)
        where TWidth : struct, ITileWidth
    {
        if (live.IsEmpty && consecutive)
            RunWideTiles<TWidth, ConsecutiveRuns>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
        else if (live.IsEmpty)
            RunWideTiles<TWidth, SharedRuns>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
        else
            RunWideTiles<TWidth, OwnTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
    }

    /// <summary>
    /// <see cref="RunWideTiles{TWidth}"/> for a width chosen at run time: four, three or two vectors of channels (a lone
    /// panel: two, <paramref name="right"/> unread).
    /// </summary>
    public static void RunWideTiles(int vectors, float* padded, nint* origins, int count, nint* offsets, float* left, float* right,
        in KSegments runs, int firstRun, int lastRun, float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride,
        float* next = null, nint nextFloats = 0, in LiveTaps live = default, bool consecutive = false)
    {
        if (vectors == 4)
            RunWideTiles<FourVectorWidth>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live, consecutive);
        else if (vectors == 3)
            RunWideTiles<ThreeVectorWidth>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live, consecutive);
        else
            RunWideTiles<TwoVectorWidth>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live, consecutive);
    }

    private static void RunWideTiles<TWidth, TTaps>(float* padded, nint* origins, int count, nint* offsets, float* left, float* right,
        in KSegments runs, int firstRun, int lastRun, float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride,
        float* next, nint nextFloats, in LiveTaps live)
        where TWidth : struct, ITileWidth
        where TTaps : struct
    {
        bool plain = epilogue.IsPlainBias(1, out bool relu);
        if (finish && epilogue.Residual != 0)
            RunWideTiles<TWidth, ResidualFinish, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
        else if (finish && !plain)
            RunWideTiles<TWidth, GeneralFinish, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
        else if (finish && relu)
            RunWideTiles<TWidth, ReluFinish, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
        else
            RunWideTiles<TWidth, PlainFinish, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish, epilogue, vectorStride, next, nextFloats, live);
    }

    /// <summary>
    /// Whole six-row tiles, then a last one to three positions as a three-row tile, which costs half a six-row one: a
    /// 7 x 7 map's 49 positions took nine six-row tiles, 54 rows' work (ResNet18's last stage, a task each way). Lists of
    /// lower tiles (<see cref="LiveTaps.Rows"/>) take every tile at their height.
    /// </summary>
    private static void RunWideTiles<TWidth, TFinish, TTaps>(float* padded, nint* origins, int count, nint* offsets, float* left, float* right,
        in KSegments runs, int firstRun, int lastRun, float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride,
        float* next, nint nextFloats, in LiveTaps live)
        where TWidth : struct, ITileWidth
        where TFinish : struct
        where TTaps : struct
    {
        if (typeof(TTaps) == typeof(OwnTaps) && live.Rows == TwoRows.Count)
        {
            RunWideTiles<TWidth, TFinish, TwoRows, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish,
                epilogue, vectorStride, next, nextFloats, live, 0);
            return;
        }
        if (typeof(TTaps) == typeof(OwnTaps) && live.Rows == ThreeRows.Count)
        {
            RunWideTiles<TWidth, TFinish, ThreeRows, TTaps>(padded, origins, count, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish,
                epilogue, vectorStride, next, nextFloats, live, 0);
            return;
        }
        int tail = count % PanelLayout.Rows;
        int six = tail is > 0 and <= ThreeRows.Count ? count - tail : count;
        if (six > 0)
            RunWideTiles<TWidth, TFinish, SixRows, TTaps>(padded, origins, six, offsets, left, right, runs, firstRun, lastRun, tiles, ldc, accumulate, finish,
                epilogue, vectorStride, next, nextFloats, live, 0);
        if (six < count)
            RunWideTiles<TWidth, TFinish, ThreeRows, TTaps>(padded, origins + six, count - six, offsets, left, right, runs, firstRun, lastRun,
                tiles + six * ldc, ldc, accumulate, finish, epilogue, vectorStride, null, 0, live, six / PanelLayout.Rows);
    }

    /// <summary>
    /// <see cref="RunWideTiles{TWidth}"/> for one kind of finish (<see cref="PlainFinish"/> or <see cref="GeneralFinish"/>)
    /// and one tile height (<see cref="SixRows"/>, <see cref="ThreeRows"/> or <see cref="TwoRows"/>): each instantiation
    /// compiles only its own epilogue and rows (type tests, folded by the importer).
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunWideTiles<TWidth, TFinish, TRows, TTaps>(float* padded, nint* origins, int count, nint* offsets, float* left, float* right,
        in KSegments runs, int firstRun, int lastRun, float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue, nint vectorStride,
        float* next, nint nextFloats, in LiveTaps live, int firstTile)
        where TWidth : struct, ITileWidth
        where TFinish : struct
        where TRows : struct
        where TTaps : struct
    {
        bool own = typeof(TTaps) == typeof(OwnTaps), consecutive = typeof(TTaps) == typeof(ConsecutiveRuns);
        bool three = TWidth.Vectors >= 3, four = TWidth.Vectors == 4;
        bool six = typeof(TRows) == typeof(SixRows), two = typeof(TRows) == typeof(TwoRows);
        int height = TileRows.Height<TRows>();
        nint width = TLane.Count;
        bool relu = false, plain = !IsGeneral<TFinish>() && finish && epilogue.IsPlainBias(1, out relu);
        // Where the finish says which, ReLU or not is a JIT-time constant: no test and branch per vector.
        relu = typeof(TFinish) == typeof(ReluFinish) || (typeof(TFinish) != typeof(PlainFinish) && relu);
        // The next pass's rows in cache lines of 16 floats, shared out over the tiles after the first.
        int tileCount = (count + height - 1) / height;
        nint nextLines = next == null || !Sse.IsSupported ? 0 : nextFloats / 16, perTile = tileCount > 1 ? (nextLines + tileCount - 2) / (tileCount - 1) : 0;
        // Packed panels: row k of each two vectors, k after k; the right panel this far from the left.
        nint across = (nint)(right - left);
        // One shared run (all of K, no zero maps): its bounds read once here, not through the runs for every tile.
        bool oneRun = !own && lastRun - firstRun == 1;
        int oneStart = oneRun ? runs.Start(firstRun) : 0, oneEnd = oneRun ? oneStart + runs.Length(firstRun) : 0;
        for (int tile = 0; tile < count; tile += height)
        {
            int rows = Math.Min(height, count - tile);
            if (perTile > 0 && tile > 0)
            {
                nint from = (tile / height - 1) * perTile, to = Math.Min(nextLines, from + perTile);
                for (nint line = from; line < to; line++)
                {
                    Sse.Prefetch0(next + line * 16);
                    Sse.Prefetch0(next + across + line * 16);
                }
            }
            var a = PositionBroadcast.Tile(padded, origins + tile, rows, offsets);
            float* c = tiles + tile * ldc;
            // Consecutive positions: row r's value of a k lies r blocks after the first's (rows past the tile's repeat it).
            float* first = consecutive ? padded + origins[tile] : null;
            nint step1 = consecutive && rows > 1 ? ContiguousStep : 0, step2 = consecutive && rows > 2 ? 2 * ContiguousStep : 0;
            nint step3 = consecutive && rows > 3 ? 3 * ContiguousStep : 0, step4 = consecutive && rows > 4 ? 4 * ContiguousStep : 0;
            nint step5 = consecutive && rows > 5 ? 5 * ContiguousStep : 0;
            if (typeof(TFinish) == typeof(ResidualFinish) && finish && Sse.IsSupported)
            {
                // The residual comes from L2 or L3 (the block's input, written layers ago): asked for while K runs.
                for (int row = 0; row < rows; row++)
                    for (int v = 0; v < TWidth.Vectors; v++) Sse.Prefetch0(c + row * ldc + v * vectorStride + epilogue.Residual);
            }
            TVec c00 = TLane.Zero, c01 = TLane.Zero, c10 = TLane.Zero, c11 = TLane.Zero;
            TVec c20 = TLane.Zero, c21 = TLane.Zero, c30 = TLane.Zero, c31 = TLane.Zero;
            TVec c40 = TLane.Zero, c41 = TLane.Zero, c50 = TLane.Zero, c51 = TLane.Zero;
            TVec d00 = TLane.Zero, d01 = TLane.Zero, d10 = TLane.Zero, d11 = TLane.Zero;
            TVec d20 = TLane.Zero, d21 = TLane.Zero, d30 = TLane.Zero, d31 = TLane.Zero;
            TVec d40 = TLane.Zero, d41 = TLane.Zero, d50 = TLane.Zero, d51 = TLane.Zero;
            if (accumulate)
            {
                // Rows past `rows` hold no sums: they start from the first row's, as their results are dropped.
                float* p = c;
                c00 = TLane.Load(ref *p); c01 = TLane.Load(ref *(p + vectorStride)); d00 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d00; d01 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d01;
                p = rows > 1 ? p + ldc : p;
                c10 = TLane.Load(ref *p); c11 = TLane.Load(ref *(p + vectorStride)); d10 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d10; d11 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d11;
                p = rows > 2 ? p + ldc : p;
                if (!two) { c20 = TLane.Load(ref *p); c21 = TLane.Load(ref *(p + vectorStride)); d20 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d20; d21 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d21; }
                if (six)
                {
                    p = rows > 3 ? p + ldc : p;
                    c30 = TLane.Load(ref *p); c31 = TLane.Load(ref *(p + vectorStride)); d30 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d30; d31 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d31;
                    p = rows > 4 ? p + ldc : p;
                    c40 = TLane.Load(ref *p); c41 = TLane.Load(ref *(p + vectorStride)); d40 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d40; d41 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d41;
                    p = rows > 5 ? p + ldc : p;
                    c50 = TLane.Load(ref *p); c51 = TLane.Load(ref *(p + vectorStride)); d50 = three ? TLane.Load(ref *(p + 2 * vectorStride)) : d50; d51 = four ? TLane.Load(ref *(p + 3 * vectorStride)) : d51;
                }
            }
            for (int run = firstRun; run < lastRun; run++)
            {
                // k runs from e0 to e1 (shared runs), or is entry e of the tile's own list (own taps).
                (int e0, int e1) = own ? live.Pass(firstTile + tile / height, run) : oneRun ? (oneStart, oneEnd) : (runs.Start(run), runs.Start(run) + runs.Length(run));
                int* list = own ? live.Entries(firstTile + tile / height) : null;
                for (int e = e0; e < e1; e++)
                {
                    nint k = own ? list[e] : e;
                    float* l = left + k * 2 * width;
                    nint at = offsets[k];
                    float* r = l + across;
                    TVec b0 = TLane.Load(ref *l);
                    TVec b1 = TLane.Load(ref *(l + width));
                    TVec b2 = three ? TLane.Load(ref *r) : b0;
                    TVec b3 = four ? TLane.Load(ref *(r + width)) : b2;
                    TVec x = TLane.Broadcast(consecutive ? first[at + 0] : a.At(0, at));
                    c00 = TLane.MultiplyAdd(x, b0, c00);
                    c01 = TLane.MultiplyAdd(x, b1, c01);
                    if (three) d00 = TLane.MultiplyAdd(x, b2, d00);
                    if (four) d01 = TLane.MultiplyAdd(x, b3, d01);
                    x = TLane.Broadcast(consecutive ? first[at + step1] : a.At(1, at));
                    c10 = TLane.MultiplyAdd(x, b0, c10);
                    c11 = TLane.MultiplyAdd(x, b1, c11);
                    if (three) d10 = TLane.MultiplyAdd(x, b2, d10);
                    if (four) d11 = TLane.MultiplyAdd(x, b3, d11);
                    if (!two)
                    {
                        x = TLane.Broadcast(consecutive ? first[at + step2] : a.At(2, at));
                        c20 = TLane.MultiplyAdd(x, b0, c20);
                        c21 = TLane.MultiplyAdd(x, b1, c21);
                        if (three) d20 = TLane.MultiplyAdd(x, b2, d20);
                        if (four) d21 = TLane.MultiplyAdd(x, b3, d21);
                    }
                    if (six)
                    {
                        x = TLane.Broadcast(consecutive ? first[at + step3] : a.At(3, at));
                        c30 = TLane.MultiplyAdd(x, b0, c30);
                        c31 = TLane.MultiplyAdd(x, b1, c31);
                        if (three) d30 = TLane.MultiplyAdd(x, b2, d30);
                        if (four) d31 = TLane.MultiplyAdd(x, b3, d31);
                        x = TLane.Broadcast(consecutive ? first[at + step4] : a.At(4, at));
                        c40 = TLane.MultiplyAdd(x, b0, c40);
                        c41 = TLane.MultiplyAdd(x, b1, c41);
                        if (three) d40 = TLane.MultiplyAdd(x, b2, d40);
                        if (four) d41 = TLane.MultiplyAdd(x, b3, d41);
                        x = TLane.Broadcast(consecutive ? first[at + step5] : a.At(5, at));
                        c50 = TLane.MultiplyAdd(x, b0, c50);
                        c51 = TLane.MultiplyAdd(x, b1, c51);
                        if (three) d50 = TLane.MultiplyAdd(x, b2, d50);
                        if (four) d51 = TLane.MultiplyAdd(x, b3, d51);
                    }
                }
            }

            if (plain)
            {
                if (typeof(TFinish) == typeof(ResidualFinish))
                {
                    // Rows past `rows` read the first row's residual (their results are dropped): never past the tensor.
                    float* z = c + epilogue.Residual;
                    (c00, c01, d00, d01) = AddResidual<TWidth>(c00, c01, d00, d01, z, vectorStride);
                    z = rows > 1 ? z + ldc : z;
                    (c10, c11, d10, d11) = AddResidual<TWidth>(c10, c11, d10, d11, z, vectorStride);
                    z = rows > 2 ? z + ldc : z;
                    if (!two) (c20, c21, d20, d21) = AddResidual<TWidth>(c20, c21, d20, d21, z, vectorStride);
                    if (six)
                    {
                        z = rows > 3 ? z + ldc : z;
                        (c30, c31, d30, d31) = AddResidual<TWidth>(c30, c31, d30, d31, z, vectorStride);
                        z = rows > 4 ? z + ldc : z;
                        (c40, c41, d40, d41) = AddResidual<TWidth>(c40, c41, d40, d41, z, vectorStride);
                        z = rows > 5 ? z + ldc : z;
                        (c50, c51, d50, d51) = AddResidual<TWidth>(c50, c51, d50, d51, z, vectorStride);
                    }
                }
                float* bias = epilogue.Bias;
                TVec e0 = TLane.Load(ref *bias), e1 = TLane.Load(ref *(bias + width));
                // The bias holds whole panels only: a third or fourth vector is read where the tile has it.
                TVec e2 = three ? TLane.Load(ref *(bias + 2 * width)) : e0, e3 = four ? TLane.Load(ref *(bias + 3 * width)) : e0;
                (c00, c01, d00, d01) = (Biased(c00, e0, relu), Biased(c01, e1, relu), Biased(d00, e2, relu), Biased(d01, e3, relu));
                (c10, c11, d10, d11) = (Biased(c10, e0, relu), Biased(c11, e1, relu), Biased(d10, e2, relu), Biased(d11, e3, relu));
                if (!two) (c20, c21, d20, d21) = (Biased(c20, e0, relu), Biased(c21, e1, relu), Biased(d20, e2, relu), Biased(d21, e3, relu));
                if (six)
                {
                    (c30, c31, d30, d31) = (Biased(c30, e0, relu), Biased(c31, e1, relu), Biased(d30, e2, relu), Biased(d31, e3, relu));
                    (c40, c41, d40, d41) = (Biased(c40, e0, relu), Biased(c41, e1, relu), Biased(d40, e2, relu), Biased(d41, e3, relu));
                    (c50, c51, d50, d51) = (Biased(c50, e0, relu), Biased(c51, e1, relu), Biased(d50, e2, relu), Biased(d51, e3, relu));
                }
            }
            StoreWideRow<TWidth, TFinish>(c00, c01, d00, d01, c, 0, finish, epilogue, vectorStride);
            if (rows <= 1) continue;
            StoreWideRow<TWidth, TFinish>(c10, c11, d10, d11, c + ldc, 1, finish, epilogue, vectorStride);
            if (two || rows <= 2) continue;
            StoreWideRow<TWidth, TFinish>(c20, c21, d20, d21, c + 2 * ldc, 2, finish, epilogue, vectorStride);
            if (!six || rows <= 3) continue;
            StoreWideRow<TWidth, TFinish>(c30, c31, d30, d31, c + 3 * ldc, 3, finish, epilogue, vectorStride);
            if (rows <= 4) continue;
            StoreWideRow<TWidth, TFinish>(c40, c41, d40, d41, c + 4 * ldc, 4, finish, epilogue, vectorStride);
            if (rows <= 5) continue;
            StoreWideRow<TWidth, TFinish>(c50, c51, d50, d51, c + 5 * ldc, 5, finish, epilogue, vectorStride);
        }
    }

    /// <summary>
    /// As <see cref="RunWideTiles"/>, against the first vector of a packed column panel only: the last block of a blocked
    /// output whose panel would reach past the tensor's blocks (an odd number of 16-channel blocks on AVX-512),
    /// <paramref name="panel"/>'s rows two vectors apart. Twelve positions a tile where they follow one another a block
    /// apart (<see cref="IsContiguous"/>), else six: six accumulators are six chains of dependent FMAs, too few to keep
    /// both FMA pipes busy through an FMA's latency.
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunNarrowTiles(float* padded, nint* origins, int count, nint* offsets, float* panel, nint kLength,
        float* tiles, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue)
    {
        nint step = 2 * TLane.Count;
        for (int tile = 0; tile < count;)
        {
            if (count - tile >= ContiguousRows && IsContiguous(origins + tile))
            {
                RunContiguousNarrowTile(padded + origins[tile], offsets, panel, kLength, tiles + tile * ldc, ldc, accumulate, finish, epilogue);
                tile += ContiguousRows;
                continue;
            }
            int rows = Math.Min(PanelLayout.Rows, count - tile);
            var a = PositionBroadcast.Tile(padded, origins + tile, rows, offsets);
            float* c = tiles + tile * ldc;
            bool finishTile = finish;
            TVec c0 = TLane.Zero, c1 = TLane.Zero, c2 = TLane.Zero, c3 = TLane.Zero, c4 = TLane.Zero, c5 = TLane.Zero;
            if (accumulate)
            {
                // Rows past `rows` hold no sums: they start from the first row's, as their results are dropped.
                float* p = c;
                c0 = TLane.Load(ref *p);
                p = rows > 1 ? p + ldc : p;
                c1 = TLane.Load(ref *p);
                p = rows > 2 ? p + ldc : p;
                c2 = TLane.Load(ref *p);
                p = rows > 3 ? p + ldc : p;
                c3 = TLane.Load(ref *p);
                p = rows > 4 ? p + ldc : p;
                c4 = TLane.Load(ref *p);
                p = rows > 5 ? p + ldc : p;
                c5 = TLane.Load(ref *p);
            }
            float* end = panel + kLength * step;
            for (float* row = panel; row < end; row += step)
            {
                TVec b0 = TLane.Load(ref *row);
                c0 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(0)), b0, c0);
                c1 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(1)), b0, c1);
                c2 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(2)), b0, c2);
                c3 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(3)), b0, c3);
                c4 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(4)), b0, c4);
                c5 = TLane.MultiplyAdd(TLane.Broadcast(a.Value(5)), b0, c5);
                a.Next();
            }
            if (finishTile && epilogue.IsPlainBias(1, out bool relu))
            {
                TVec e0 = TLane.Load(ref *epilogue.Bias);
                (c0, c1, c2) = (Biased(c0, e0, relu), Biased(c1, e0, relu), Biased(c2, e0, relu));
                (c3, c4, c5) = (Biased(c3, e0, relu), Biased(c4, e0, relu), Biased(c5, e0, relu));
                finishTile = false;
            }
            StoreVector(c0, c, 0, finishTile, epilogue);
            if (rows > 1) StoreVector(c1, c + ldc, 1, finishTile, epilogue);
            if (rows > 2) StoreVector(c2, c + 2 * ldc, 2, finishTile, epilogue);
            if (rows > 3) StoreVector(c3, c + 3 * ldc, 3, finishTile, epilogue);
            if (rows > 4) StoreVector(c4, c + 4 * ldc, 4, finishTile, epilogue);
            if (rows > 5) StoreVector(c5, c + 5 * ldc, 5, finishTile, epilogue);
            tile += rows;
        }
    }

    /// <summary>Rows of a narrow tile over contiguous positions: twelve accumulators, enough chains for both FMA pipes.</summary>
    private const int ContiguousRows = 12;

    /// <summary>Floats from one contiguous position to the next: one block of blocked maps (16 channels).</summary>
    private const int ContiguousStep = 16;

    /// <summary>
    /// Whether <see cref="ContiguousRows"/> origins step by exactly <see cref="ContiguousStep"/> floats each (a 1x1
    /// convolution reading blocked maps in place, whose every position follows the last): then one address and constant
    /// displacements reach them all, so twelve rows take no more registers than one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsContiguous(nint* origins)
    {
        for (int i = 1; i < ContiguousRows; i++)
            if (origins[i] - origins[i - 1] != ContiguousStep) return false;
        return true;
    }

    /// <summary>
    /// A narrow tile of <see cref="ContiguousRows"/> positions, the first at <paramref name="first"/>, the others
    /// <see cref="ContiguousStep"/> floats after the last, against the first vector of <paramref name="panel"/>.
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunContiguousNarrowTile(float* first, nint* offsets, float* panel, nint kLength,
        float* c, nint ldc, bool accumulate, bool finish, in TileEpilogue epilogue)
    {
        const int s = ContiguousStep;
        nint step = 2 * TLane.Count;
        TVec c0 = TLane.Zero, c1 = TLane.Zero, c2 = TLane.Zero, c3 = TLane.Zero, c4 = TLane.Zero, c5 = TLane.Zero;
        TVec c6 = TLane.Zero, c7 = TLane.Zero, c8 = TLane.Zero, c9 = TLane.Zero, c10 = TLane.Zero, c11 = TLane.Zero;
        if (accumulate)
        {
            (c0, c1, c2, c3) = (TLane.Load(ref *c), TLane.Load(ref *(c + ldc)), TLane.Load(ref *(c + 2 * ldc)), TLane.Load(ref *(c + 3 * ldc)));
            (c4, c5, c6, c7) = (TLane.Load(ref *(c + 4 * ldc)), TLane.Load(ref *(c + 5 * ldc)), TLane.Load(ref *(c + 6 * ldc)), TLane.Load(ref *(c + 7 * ldc)));
            (c8, c9, c10, c11) = (TLane.Load(ref *(c + 8 * ldc)), TLane.Load(ref *(c + 9 * ldc)), TLane.Load(ref *(c + 10 * ldc)), TLane.Load(ref *(c + 11 * ldc)));
        }
        float* end = panel + kLength * step;
        // Each k asks for one line of the positions two tiles on, in the same block of channels (lines 24 to 39 on from
        // the tile's first as k runs through a block): input from L3 or memory (caches flushed before each run) otherwise
        // stalls every tile, over six to eight blocks whose streams the hardware follows too late. SqueezeNet's fire2
        // and fire3 squeezes (16 outputs) against MLAS's NCHWc node on the same blocked input, caches flushed: 0.71x-0.79x
        // and 0.63x-0.67x of its speed -> 0.96x (one tile ahead: 0.88x-0.93x, 0.91x-0.95x); warm, unchanged.
        bool prefetch = Sse.IsSupported;
        nint line = 0;
        for (float* row = panel; row < end; row += step)
        {
            TVec b = TLane.Load(ref *row);
            float* x = first + *offsets++;
            if (prefetch)
            {
                Sse.Prefetch0(x + (2 * ContiguousRows + line) * s);
                line = (line + 1) & 15;
            }
            c0 = TLane.MultiplyAdd(TLane.Broadcast(x[0]), b, c0);
            c1 = TLane.MultiplyAdd(TLane.Broadcast(x[s]), b, c1);
            c2 = TLane.MultiplyAdd(TLane.Broadcast(x[2 * s]), b, c2);
            c3 = TLane.MultiplyAdd(TLane.Broadcast(x[3 * s]), b, c3);
            c4 = TLane.MultiplyAdd(TLane.Broadcast(x[4 * s]), b, c4);
            c5 = TLane.MultiplyAdd(TLane.Broadcast(x[5 * s]), b, c5);
            c6 = TLane.MultiplyAdd(TLane.Broadcast(x[6 * s]), b, c6);
            c7 = TLane.MultiplyAdd(TLane.Broadcast(x[7 * s]), b, c7);
            c8 = TLane.MultiplyAdd(TLane.Broadcast(x[8 * s]), b, c8);
            c9 = TLane.MultiplyAdd(TLane.Broadcast(x[9 * s]), b, c9);
            c10 = TLane.MultiplyAdd(TLane.Broadcast(x[10 * s]), b, c10);
            c11 = TLane.MultiplyAdd(TLane.Broadcast(x[11 * s]), b, c11);
        }
        if (finish && epilogue.IsPlainBias(1, out bool relu))
        {
            TVec e = TLane.Load(ref *epilogue.Bias);
            (c0, c1, c2, c3) = (Biased(c0, e, relu), Biased(c1, e, relu), Biased(c2, e, relu), Biased(c3, e, relu));
            (c4, c5, c6, c7) = (Biased(c4, e, relu), Biased(c5, e, relu), Biased(c6, e, relu), Biased(c7, e, relu));
            (c8, c9, c10, c11) = (Biased(c8, e, relu), Biased(c9, e, relu), Biased(c10, e, relu), Biased(c11, e, relu));
            finish = false;
        }
        StoreVector(c0, c, 0, finish, epilogue);
        StoreVector(c1, c + ldc, 1, finish, epilogue);
        StoreVector(c2, c + 2 * ldc, 2, finish, epilogue);
        StoreVector(c3, c + 3 * ldc, 3, finish, epilogue);
        StoreVector(c4, c + 4 * ldc, 4, finish, epilogue);
        StoreVector(c5, c + 5 * ldc, 5, finish, epilogue);
        StoreVector(c6, c + 6 * ldc, 6, finish, epilogue);
        StoreVector(c7, c + 7 * ldc, 7, finish, epilogue);
        StoreVector(c8, c + 8 * ldc, 8, finish, epilogue);
        StoreVector(c9, c + 9 * ldc, 9, finish, epilogue);
        StoreVector(c10, c + 10 * ldc, 10, finish, epilogue);
        StoreVector(c11, c + 11 * ldc, 11, finish, epilogue);
    }

    /// <summary>The plain epilogue (<see cref="TileEpilogue.IsPlainBias"/>) of one vector: the bias added (as the general epilogue's FMA by 1 rounds it), then ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Biased(TVec v, TVec bias, bool relu)
    {
        v = TLane.Add(v, bias);
        return relu ? TLane.Max(v, TLane.Zero) : v;
    }

    /// <summary>A row of two vectors whose bias is one value (a row bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) BiasedRow(TVec v0, TVec v1, float bias, bool relu)
    {
        TVec e = TLane.Broadcast(bias);
        return (Biased(v0, e, relu), Biased(v1, e, relu));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector(TVec v, float* row, nint rowIndex, bool finish, in TileEpilogue epilogue) =>
        TLane.Store(finish ? epilogue.Apply<TLane, TVec>(v, rowIndex, 0) : v, ref *row);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFullRow(TVec v0, TVec v1, float* row, nint rowIndex, bool finish, in TileEpilogue epilogue) =>
        StoreFullRow(v0, v1, row, rowIndex, 0, finish, epilogue, TLane.Count);

    /// <summary>A full row of two vectors at tile column <paramref name="column"/>, the second <paramref name="vectorStride"/> floats after the first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFullRow(TVec v0, TVec v1, float* row, nint rowIndex, nint column, bool finish, in TileEpilogue epilogue, nint vectorStride)
    {
        nint width = TLane.Count;
        if (finish)
        {
            v0 = epilogue.Apply<TLane, TVec>(v0, rowIndex, column);
            v1 = epilogue.Apply<TLane, TVec>(v1, rowIndex, column + width);
        }
        TLane.Store(v0, ref *row);
        TLane.Store(v1, ref *(row + vectorStride));
    }

    /// <summary>
    /// Row <paramref name="rowIndex"/> of a wide tile: the left panel's two vectors, then the right panel's both, its
    /// first only (<see cref="ThreeVectorWidth"/>) or none, each <paramref name="vectorStride"/> floats after the last.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWideRow<TWidth, TFinish>(TVec v0, TVec v1, TVec w0, TVec w1, float* row, nint rowIndex, bool finish, in TileEpilogue epilogue, nint vectorStride)
        where TWidth : struct, ITileWidth
        where TFinish : struct
    {
        nint width = TLane.Count;
        float* right = row + 2 * vectorStride;
        // Type tests, not the types' constants: the importer folds them, so the plain instantiation never sees the
        // general epilogue's code and keeps its inline budget for its own stores.
        if (IsGeneral<TFinish>() && finish)
        {
            StoreFullRow(v0, v1, row, rowIndex, 0, true, epilogue, vectorStride);
            if (typeof(TWidth) == typeof(FourVectorWidth)) StoreFullRow(w0, w1, right, rowIndex, 2 * width, true, epilogue, vectorStride);
            else if (typeof(TWidth) == typeof(ThreeVectorWidth)) TLane.Store(epilogue.Apply<TLane, TVec>(w0, rowIndex, 2 * width), ref *right);
            return;
        }
        TLane.Store(v0, ref *row);
        TLane.Store(v1, ref *(row + vectorStride));
        if (typeof(TWidth) == typeof(FourVectorWidth) || typeof(TWidth) == typeof(ThreeVectorWidth)) TLane.Store(w0, ref *right);
        if (typeof(TWidth) == typeof(FourVectorWidth)) TLane.Store(w1, ref *(right + vectorStride));
    }

    /// <summary>A wide tile row's vectors plus the residual's, <paramref name="vectorStride"/> floats apart from <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec, TVec, TVec) AddResidual<TWidth>(TVec v0, TVec v1, TVec w0, TVec w1, float* z, nint vectorStride)
        where TWidth : struct, ITileWidth
    {
        v0 = TLane.Add(v0, TLane.Load(ref *z));
        v1 = TLane.Add(v1, TLane.Load(ref *(z + vectorStride)));
        if (typeof(TWidth) == typeof(FourVectorWidth) || typeof(TWidth) == typeof(ThreeVectorWidth)) w0 = TLane.Add(w0, TLane.Load(ref *(z + 2 * vectorStride)));
        if (typeof(TWidth) == typeof(FourVectorWidth)) w1 = TLane.Add(w1, TLane.Load(ref *(z + 3 * vectorStride)));
        return (v0, v1, w0, w1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsGeneral<TFinish>() where TFinish : struct => typeof(TFinish) == typeof(GeneralFinish);

    /// <summary>A row of sums so far, as the two vectors of a tile row; columns past <paramref name="columns"/> are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) LoadRow(float* row, int columns) => LoadRow(row, columns, TLane.Count);

    /// <summary>As above, a full row's second vector <paramref name="vectorStride"/> floats after its first (a ragged row's are adjacent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) LoadRow(float* row, int columns, nint vectorStride)
    {
        nint width = TLane.Count;
        if (columns == 2 * width) return (TLane.Load(ref *row), TLane.Load(ref *(row + vectorStride)));
        // A ragged row: through a zeroed spill, element by element (inlined, as everything in Run must be).
        Unsafe.SkipInit(out TileRowSpill spill);
        ref float first = ref spill[0];
        for (int j = 0; j < 2 * width; j++) Unsafe.Add(ref first, j) = j < columns ? row[j] : 0f;
        return (TLane.Load(ref first), TLane.Load(ref Unsafe.Add(ref first, width)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TVec v0, TVec v1, float* row, nint rowIndex, int columns, bool finish, in TileEpilogue epilogue) =>
        StoreRow(v0, v1, row, rowIndex, columns, finish, epilogue, TLane.Count);

    /// <summary>As above, a full row's second vector <paramref name="vectorStride"/> floats after its first (a ragged row's are adjacent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TVec v0, TVec v1, float* row, nint rowIndex, int columns, bool finish, in TileEpilogue epilogue, nint vectorStride)
    {
        if (columns == 2 * TLane.Count)
        {
            StoreFullRow(v0, v1, row, rowIndex, 0, finish, epilogue, vectorStride);
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
