using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// The last step of <see cref="WinogradTiles"/> for one tile and block of 16 output channels: Y = A^T m A of its products
/// m (one vector a point, <c>pointStride</c> floats apart), plus bias, stored through <see cref="TileStores"/>. One struct
/// per form, so that the loop over tiles is compiled once for each with the transform inlined.
/// </summary>
internal unsafe interface IWinogradProducts
{
    static abstract void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation);
}

/// <summary>F(2 x 2, 3 x 3): 2 x 2 outputs from 4 x 4 points, A^T = [1 1 1 0; 0 1 -1 -1] (24 additions).</summary>
internal readonly unsafe struct TwoFromFour : IWinogradProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation)
    {
        // A^T m, column by column, then the two rows times A.
        Column(m, pointStride, 0, out var u0, out var v0);
        Column(m, pointStride, 1, out var u1, out var v1);
        Column(m, pointStride, 2, out var u2, out var v2);
        Column(m, pointStride, 3, out var u3, out var v3);
        store.PutTwoByTwo(origin, u0 + u1 + u2 + bias, u1 - u2 - u3 + bias, v0 + v1 + v2 + bias, v1 - v2 - v3 + bias, output, residual, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* m, nint pointStride, int j, out Vector512<float> top, out Vector512<float> bottom)
    {
        var m0 = Vector512.Load(m + j * pointStride);
        var m1 = Vector512.Load(m + (4 + j) * pointStride);
        var m2 = Vector512.Load(m + (8 + j) * pointStride);
        var m3 = Vector512.Load(m + (12 + j) * pointStride);
        top = m0 + m1 + m2;
        bottom = m1 - m2 - m3;
    }
}

/// <summary>
/// F(2 x 2, 5 x 5): 2 x 2 outputs from 6 x 6 points, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1] (9 operations per six values, a
/// fused multiply-add counted as two; 8 x 9 a tile).
/// </summary>
internal readonly unsafe struct TwoFromSix : IWinogradProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation)
    {
        // A^T m, column by column (six loads each), then the two rows times A.
        Column(m, pointStride, 0, out var u0, out var v0);
        Column(m, pointStride, 1, out var u1, out var v1);
        Column(m, pointStride, 2, out var u2, out var v2);
        Column(m, pointStride, 3, out var u3, out var v3);
        Column(m, pointStride, 4, out var u4, out var v4);
        Column(m, pointStride, 5, out var u5, out var v5);
        Times(u0, u1, u2, u3, u4, u5, out var y00, out var y01);
        Times(v0, v1, v2, v3, v4, v5, out var y10, out var y11);
        store.PutTwoByTwo(origin, y00 + bias, y01 + bias, y10 + bias, y11 + bias, output, residual, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* m, nint pointStride, int j, out Vector512<float> top, out Vector512<float> bottom) =>
        Times(Vector512.Load(m + j * pointStride), Vector512.Load(m + (6 + j) * pointStride), Vector512.Load(m + (12 + j) * pointStride),
            Vector512.Load(m + (18 + j) * pointStride), Vector512.Load(m + (24 + j) * pointStride), Vector512.Load(m + (30 + j) * pointStride), out top, out bottom);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Times(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        out Vector512<float> y0, out Vector512<float> y1)
    {
        y0 = m0 + (m1 + m2) + (m3 + m4);
        y1 = Vector512.FusedMultiplyAdd(Vector512.Create(2f), m3 - m4, m1 - m2) + m5;
    }
}

/// <summary>
/// F(4 x 4, 3 x 3): 4 x 4 outputs from 6 x 6 points, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] (13
/// operations per six values, a fused multiply-add counted as two; 10 x 13 a tile).
/// </summary>
internal readonly unsafe struct FourFromSix : IWinogradProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation)
    {
        // A^T m, column by column (six loads, four sums each), then each of the four rows times A.
        Column(m, pointStride, 0, out var r00, out var r10, out var r20, out var r30);
        Column(m, pointStride, 1, out var r01, out var r11, out var r21, out var r31);
        Column(m, pointStride, 2, out var r02, out var r12, out var r22, out var r32);
        Column(m, pointStride, 3, out var r03, out var r13, out var r23, out var r33);
        Column(m, pointStride, 4, out var r04, out var r14, out var r24, out var r34);
        Column(m, pointStride, 5, out var r05, out var r15, out var r25, out var r35);
        Row(store, origin, 0, r00, r01, r02, r03, r04, r05, bias, output, residual, activation);
        Row(store, origin, 1, r10, r11, r12, r13, r14, r15, bias, output, residual, activation);
        Row(store, origin, 2, r20, r21, r22, r23, r24, r25, bias, output, residual, activation);
        Row(store, origin, 3, r30, r31, r32, r33, r34, r35, bias, output, residual, activation);
    }

    /// <summary>Row <paramref name="i"/> of the tile: one row of A^T m times A, plus bias, stored where real.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(in TileStores store, in TileOrigin origin, int i,
        Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        Vector512<float> bias, float* output, float* residual, Activation activation)
    {
        Times(m0, m1, m2, m3, m4, m5, out var y0, out var y1, out var y2, out var y3);
        store.Put(origin, i, 0, y0 + bias, output, residual, activation);
        store.Put(origin, i, 1, y1 + bias, output, residual, activation);
        store.Put(origin, i, 2, y2 + bias, output, residual, activation);
        store.Put(origin, i, 3, y3 + bias, output, residual, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* m, nint pointStride, int j, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3) =>
        Times(Vector512.Load(m + j * pointStride), Vector512.Load(m + (6 + j) * pointStride), Vector512.Load(m + (12 + j) * pointStride),
            Vector512.Load(m + (18 + j) * pointStride), Vector512.Load(m + (24 + j) * pointStride), Vector512.Load(m + (30 + j) * pointStride),
            out y0, out y1, out y2, out y3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Times(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3)
    {
        var sum12 = m1 + m2;
        var difference12 = m1 - m2;
        var sum34 = m3 + m4;
        var difference34 = m3 - m4;
        y0 = m0 + sum12 + sum34;
        y1 = Vector512.FusedMultiplyAdd(Vector512.Create(2f), difference34, difference12);
        y2 = Vector512.FusedMultiplyAdd(Vector512.Create(4f), sum34, sum12);
        y3 = Vector512.FusedMultiplyAdd(Vector512.Create(8f), difference34, difference12) + m5;
    }
}

/// <summary>
/// F(4 x 4, 5 x 5): 4 x 4 outputs from 8 x 8 points, A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0;
/// 0 1 1 4 4 1/4 1/4 0; 0 1 -1 8 -8 1/8 -1/8 1] (22 operations per eight values, a fused multiply-add counted as two;
/// 12 x 22 a tile).
/// </summary>
internal readonly unsafe struct FourFromEight : IWinogradProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation)
    {
        // A^T m, column by column (eight loads, four sums each), then each of the four rows times A.
        Column(m, pointStride, 0, out var r00, out var r10, out var r20, out var r30);
        Column(m, pointStride, 1, out var r01, out var r11, out var r21, out var r31);
        Column(m, pointStride, 2, out var r02, out var r12, out var r22, out var r32);
        Column(m, pointStride, 3, out var r03, out var r13, out var r23, out var r33);
        Column(m, pointStride, 4, out var r04, out var r14, out var r24, out var r34);
        Column(m, pointStride, 5, out var r05, out var r15, out var r25, out var r35);
        Column(m, pointStride, 6, out var r06, out var r16, out var r26, out var r36);
        Column(m, pointStride, 7, out var r07, out var r17, out var r27, out var r37);
        Row(store, origin, 0, r00, r01, r02, r03, r04, r05, r06, r07, bias, output, residual, activation);
        Row(store, origin, 1, r10, r11, r12, r13, r14, r15, r16, r17, bias, output, residual, activation);
        Row(store, origin, 2, r20, r21, r22, r23, r24, r25, r26, r27, bias, output, residual, activation);
        Row(store, origin, 3, r30, r31, r32, r33, r34, r35, r36, r37, bias, output, residual, activation);
    }

    /// <summary>Row <paramref name="i"/> of the tile: one row of A^T m times A, plus bias, stored where real.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(in TileStores store, in TileOrigin origin, int i, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2,
        Vector512<float> m3, Vector512<float> m4, Vector512<float> m5, Vector512<float> m6, Vector512<float> m7,
        Vector512<float> bias, float* output, float* residual, Activation activation)
    {
        Times(m0, m1, m2, m3, m4, m5, m6, m7, out var y0, out var y1, out var y2, out var y3);
        store.Put(origin, i, 0, y0 + bias, output, residual, activation);
        store.Put(origin, i, 1, y1 + bias, output, residual, activation);
        store.Put(origin, i, 2, y2 + bias, output, residual, activation);
        store.Put(origin, i, 3, y3 + bias, output, residual, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* m, nint pointStride, int j, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3) =>
        Times(Vector512.Load(m + j * pointStride), Vector512.Load(m + (8 + j) * pointStride), Vector512.Load(m + (16 + j) * pointStride),
            Vector512.Load(m + (24 + j) * pointStride), Vector512.Load(m + (32 + j) * pointStride), Vector512.Load(m + (40 + j) * pointStride),
            Vector512.Load(m + (48 + j) * pointStride), Vector512.Load(m + (56 + j) * pointStride), out y0, out y1, out y2, out y3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Times(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        Vector512<float> m6, Vector512<float> m7, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3)
    {
        Powers(m0, m1, m2, m3, m4, m5, m6, out y0, out y1, out y2, out y3, out _);
        y3 += m7;
    }

    /// <summary>
    /// y_i = the sum over the seven finite points a of a^i x m_a, i = 0..4 (rows of A^T without infinity's column), the
    /// values in pairs of a point and its negative, their sum and difference. A form of four rows leaves y4 unused.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Powers(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        Vector512<float> m6, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3, out Vector512<float> y4)
    {
        var sum12 = m1 + m2;
        var difference12 = m1 - m2;
        var sum34 = m3 + m4;
        var difference34 = m3 - m4;
        var sum56 = m5 + m6;
        var difference56 = m5 - m6;
        y0 = m0 + sum12 + sum34 + sum56;
        y1 = Vector512.FusedMultiplyAdd(Vector512.Create(0.5f), difference56, Vector512.FusedMultiplyAdd(Vector512.Create(2f), difference34, difference12));
        y2 = Vector512.FusedMultiplyAdd(Vector512.Create(0.25f), sum56, Vector512.FusedMultiplyAdd(Vector512.Create(4f), sum34, sum12));
        y3 = Vector512.FusedMultiplyAdd(Vector512.Create(0.125f), difference56, Vector512.FusedMultiplyAdd(Vector512.Create(8f), difference34, difference12));
        y4 = Vector512.FusedMultiplyAdd(Vector512.Create(0.0625f), sum56, Vector512.FusedMultiplyAdd(Vector512.Create(16f), sum34, sum12));
    }
}

/// <summary>
/// F(5 x 5, 4 x 4): 5 x 5 outputs from 8 x 8 points, A^T = the four rows of <see cref="FourFromEight"/>'s without
/// infinity's 1, and [0 1 1 16 16 1/16 1/16 1] (26 operations per eight values; 13 x 26 a tile). A strided kernel's
/// phases (SqueezeNet's 7 x 7 / 2 is four of at most 4 x 4, <see cref="PhaseSplit"/>).
/// </summary>
internal readonly unsafe struct FiveFromEight : IWinogradProducts
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform(float* m, nint pointStride, in TileStores store, in TileOrigin origin, Vector512<float> bias,
        float* output, float* residual, Activation activation)
    {
        // A^T m, column by column, into a stack block of 5 x 8 vectors (40 sums and the loads do not fit in 32 registers;
        // aligned to a line, so each store is forwarded to its load), then each of the five rows times A.
        byte* room = stackalloc byte[41 * 64];
        Vector512<float>* rows = (Vector512<float>*)(((nint)room + 63) & ~(nint)63);
        nint step = 8 * pointStride;
        for (int j = 0; j < 8; j++, m += pointStride)
        {
            // Column j's points, a row of points apart, by a pointer stepped along: no multiplication per load.
            float* at = m;
            var m0 = Vector512.Load(at);
            var m1 = Vector512.Load(at += step);
            var m2 = Vector512.Load(at += step);
            var m3 = Vector512.Load(at += step);
            var m4 = Vector512.Load(at += step);
            var m5 = Vector512.Load(at += step);
            var m6 = Vector512.Load(at += step);
            var m7 = Vector512.Load(at + step);
            FourFromEight.Powers(m0, m1, m2, m3, m4, m5, m6, out rows[j], out rows[8 + j], out rows[16 + j], out rows[24 + j], out var y4);
            rows[32 + j] = y4 + m7;
        }
        for (int i = 0; i < 5; i++)
        {
            Vector512<float>* r = rows + 8 * i;
            FourFromEight.Powers(r[0], r[1], r[2], r[3], r[4], r[5], r[6], out var y0, out var y1, out var y2, out var y3, out var y4);
            store.Put(origin, i, 0, y0 + bias, output, residual, activation);
            store.Put(origin, i, 1, y1 + bias, output, residual, activation);
            store.Put(origin, i, 2, y2 + bias, output, residual, activation);
            store.Put(origin, i, 3, y3 + bias, output, residual, activation);
            store.Put(origin, i, 4, y4 + r[7] + bias, output, residual, activation);
        }
    }
}

/// <summary>A tile's first output in blocked rows, and how many of its rows and columns are real.</summary>
internal readonly record struct TileOrigin(nint At, int Rows, int Columns);

/// <summary>
/// Where a chunk's m x m tiles of one block land in blocked rows (<see cref="BlockedMaps.Block"/> channels a position,
/// <paramref name="width"/> positions a row, <paramref name="rows"/> rows), and which of their outputs are real: the
/// last row and column of tiles of a map that is not a multiple of m store only their top or left outputs.
/// </summary>
internal readonly unsafe struct TileStores(int width, int rows, int tilesX, int tile)
{
    /// <summary>Tile <paramref name="index"/> of the chunk, its first output <paramref name="at"/> floats on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TileOrigin Origin(nint at, int index)
    {
        int row = index / tilesX * tile, column = index % tilesX * tile;
        return new TileOrigin(at + (row * (nint)width + column) * BlockedMaps.Block, Math.Min(tile, rows - row), Math.Min(tile, width - column));
    }

    /// <summary>A 2 x 2 tile's four outputs, where they are real.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PutTwoByTwo(in TileOrigin origin, Vector512<float> topLeft, Vector512<float> topRight, Vector512<float> bottomLeft, Vector512<float> bottomRight,
        float* output, float* residual, Activation activation)
    {
        Put(origin, 0, 0, topLeft, output, residual, activation);
        Put(origin, 0, 1, topRight, output, residual, activation);
        Put(origin, 1, 0, bottomLeft, output, residual, activation);
        Put(origin, 1, 1, bottomRight, output, residual, activation);
    }

    /// <summary>Output (i, j) of the tile at <paramref name="origin"/>, plus the residual's, activated, where it is real.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(in TileOrigin origin, int i, int j, Vector512<float> value, float* output, float* residual, Activation activation)
    {
        if (i >= origin.Rows || j >= origin.Columns) return;
        nint at = origin.At + (i * (nint)width + j) * BlockedMaps.Block;
        if (residual != null) value += Vector512.Load(residual + at);
        activation.Apply<Lane512, Vector512<float>>(value).Store(output + at);
    }
}
