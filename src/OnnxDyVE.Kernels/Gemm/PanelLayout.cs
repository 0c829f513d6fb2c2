using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// How operands are packed for <see cref="GemmTile{TLane,TVec}"/>: the broadcast operand in panels of
/// <see cref="Rows"/> rows, the vector operand in panels of two vectors of columns, both k-major.
/// </summary>
internal static class PanelLayout
{
    /// <summary>Rows of a tile (the broadcast operand's panel height).</summary>
    public const int Rows = 6;

    /// <summary>
    /// k per block: one B panel of a Vector512 tile (2 x 16 floats x 128) is 16 KiB, half of L1, so it stays
    /// there while every A panel of the block streams past it.
    /// </summary>
    public const int KBlock = 128;

    /// <summary>Columns of a tile on a path: two vectors.</summary>
    public static int Columns(SimdPath path) => 2 * SimdPaths.Width(path);

    public static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>
    /// Packs rows [row0, row0 + rowCount) x k [0, kLength) of a row-major matrix (element (r, k) at
    /// source[r * rowStride + k * kStride]) into Rows-high panels, k-major, scaled, zero-padded below the last row.
    /// Destination holds ceil(rowCount / Rows) panels of Rows * kLength floats.
    /// </summary>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackRows(float* source, nint rowStride, nint kStride, int rowCount, int kLength,
        float scale, float* destination)
    {
        for (int panel = 0; panel * Rows < rowCount; panel++)
        {
            float* dst = destination + (nint)panel * Rows * kLength;
            int rowsHere = Math.Min(Rows, rowCount - panel * Rows);
            for (int k = 0; k < kLength; k++)
            {
                float* src = source + (nint)panel * Rows * rowStride + k * kStride;
                int r = 0;
                for (; r < rowsHere; r++) dst[r] = scale * src[r * rowStride];
                for (; r < Rows; r++) dst[r] = 0f;
                dst += Rows;
            }
        }
    }

    /// <summary>
    /// One row of A for the single-row product: values[j] = source[k] and offsets[j] = k * <paramref name="offsetScale"/>
    /// for every k, or (with <paramref name="skipZeros"/>) every k whose value is not zero. Returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe int PackLive(float* source, int kLength, bool skipZeros, float* values, nint* offsets, nint offsetScale)
    {
        int live = 0;
        for (int k = 0; k < kLength; k++)
        {
            float value = source[k];
            if (skipZeros && value == 0f) continue;
            values[live] = value;
            offsets[live++] = k * offsetScale;
        }
        return live;
    }

    /// <summary>
    /// <see cref="PackRows"/> leaving out every k at which all rows are zero: live k j of the result is source
    /// k = liveK, and <paramref name="offsets"/>[j] = liveK * <paramref name="offsetScale"/> (where that k's row
    /// of a packed panel of the other operand starts). Returns the number of live k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe int PackLiveRows(float* source, nint rowStride, nint kStride, int rowCount, int kLength,
        float* destination, nint* offsets, nint offsetScale)
    {
        // One panel at most: callers skip zeros only at small batches, where A is one or two panels.
        int live = 0;
        for (int k = 0; k < kLength; k++)
        {
            float* src = source + k * kStride;
            bool any = false;
            for (int r = 0; r < rowCount; r++) any |= src[r * rowStride] != 0f;
            if (!any) continue;
            for (int panel = 0; panel * Rows < rowCount; panel++)
            {
                float* dst = destination + ((nint)panel * kLength + live) * Rows;
                int first = panel * Rows;
                int rowsHere = Math.Min(Rows, rowCount - first);
                int r = 0;
                for (; r < rowsHere; r++) dst[r] = src[(first + r) * rowStride];
                for (; r < Rows; r++) dst[r] = 0f;
            }
            offsets[live++] = k * offsetScale;
        }
        return live;
    }

    /// <summary>
    /// Packs columns [0, columnCount) x k [0, kLength) of a matrix (element (k, n) at source[k * kStride + n * columnStride])
    /// into panels of <paramref name="columns"/> columns, k-major, scaled, zero-padded right of the last column.
    /// </summary>
    // Also packs a 1x1 convolution's ragged last panel at run time: compiled fully optimised on first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackColumns(float* source, nint kStride, nint columnStride, int columnCount, int kLength,
        int columns, float scale, float* destination)
    {
        for (int panel = 0; panel * columns < columnCount; panel++)
        {
            float* dst = destination + (nint)panel * columns * kLength;
            int here = Math.Min(columns, columnCount - panel * columns);
            for (int k = 0; k < kLength; k++)
            {
                float* src = source + k * kStride + (nint)panel * columns * columnStride;
                int j = 0;
                for (; j < here; j++) dst[j] = scale * src[j * columnStride];
                for (; j < columns; j++) dst[j] = 0f;
                dst += columns;
            }
        }
    }
}
