using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Rows of A against B's packed column panels: Y = epilogue(A B) over a range of panels. The dense Gemm runs on it
/// (all of K), and so does SPET's prefix (the first k in significance order, no epilogue: partial sums).
/// </summary>
internal static unsafe class PanelProduct
{
    /// <summary>Floats of scratch <see cref="PanelProduct{TLane,TVec}.Run"/> needs for these arguments.</summary>
    public static int ScratchFloats(int rows, int k, int kBlock, bool skipZeros, nint kStride)
    {
        // The offset of each live k's row in a panel, as nint.
        int offsets = k * (sizeof(nint) / sizeof(float));
        if (SingleRow(rows, kStride)) return k + offsets;
        return PanelLayout.CeilDiv(rows, PanelLayout.Rows) * PanelLayout.Rows * kBlock + (skipZeros ? offsets : 0);
    }

    /// <summary>One row read in place (a row of A is contiguous along k): the product is a sequence of dot products.</summary>
    public static bool SingleRow(int rows, nint kStride) => rows == 1 && kStride == 1;
}

/// <inheritdoc cref="PanelProduct"/>
internal static unsafe class PanelProduct<TLane, TVec>
    where TLane : struct, ISimdLane<TVec>
    where TVec : struct
{
    /// <summary>
    /// y[r, column] for r in [0, rows), columns of panels [firstPanel, lastPanel), = epilogue(sum over k of
    /// a[r, k] x panel row k). Returns how many k were multiplied: all of them, or the live ones with
    /// <paramref name="skipZeros"/> (k at which every row is zero are left out; all of K is then one block).
    /// </summary>
    /// <param name="a">Row 0, k 0 of A; element (r, k) at a[r * rowStride + k * kStride].</param>
    /// <param name="panels">B packed by <see cref="PanelLayout.PackColumns"/>: panels of tileColumns x k floats.</param>
    /// <param name="n">Columns of Y (its row stride).</param>
    /// <param name="y">Row 0, column 0 of Y.</param>
    /// <param name="epilogue">Positioned at row 0, column 0.</param>
    /// <param name="scratch"><see cref="PanelProduct.ScratchFloats"/> floats.</param>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Run(float* a, nint rowStride, nint kStride, int rows, int k, int kBlock, bool skipZeros,
        float* panels, int tileColumns, int firstPanel, int lastPanel, int n, float* y, in TileEpilogue epilogue, float* scratch)
    {
        if (PanelProduct.SingleRow(rows, kStride))
            return RunSingleRow(a, k, skipZeros, panels, tileColumns, firstPanel, lastPanel, n, y, epilogue, scratch);
        int rowPanels = PanelLayout.CeilDiv(rows, PanelLayout.Rows);
        if (skipZeros)
        {
            // All of K is one block at these batch sizes, so one pass finds the live k.
            nint* offsets = (nint*)(scratch + rowPanels * PanelLayout.Rows * kBlock);
            int live = PanelLayout.PackLiveRows(a, rowStride, kStride, rows, k, scratch, offsets, tileColumns);
            for (int jp = firstPanel; jp < lastPanel; jp++)
            {
                int column = jp * tileColumns;
                float* panel = panels + (nint)jp * k * tileColumns;
                int columns = Math.Min(tileColumns, n - column);
                for (int ip = 0; ip < rowPanels; ip++)
                {
                    int row = ip * PanelLayout.Rows;
                    float* rowPanel = scratch + (nint)ip * PanelLayout.Rows * k;
                    float* target = y + (nint)row * n + column;
                    int rowsHere = Math.Min(PanelLayout.Rows, rows - row);
                    // With no zero k the packed A is the dense one: read B's rows in order, without the offset table.
                    if (live == k)
                        GemmTile<TLane, TVec>.Run(rowPanel, new StridedRows(panel, tileColumns), live, target, n, target, n, rowsHere, columns,
                            accumulate: false, finish: true, epilogue.At(row, column));
                    else
                        GemmTile<TLane, TVec>.Run(rowPanel, new OffsetRows(panel, offsets), live, target, n, target, n, rowsHere, columns,
                            accumulate: false, finish: true, epilogue.At(row, column));
                }
            }
            return live;
        }
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int kLength = Math.Min(kBlock, k - k0);
            bool accumulate = k0 > 0;
            bool finish = k0 + kLength == k;
            PanelLayout.PackRows(a + k0 * kStride, rowStride, kStride, rows, kLength, 1f, scratch);
            for (int jp = firstPanel; jp < lastPanel; jp++)
            {
                int column = jp * tileColumns;
                float* b = panels + ((nint)jp * k + k0) * tileColumns;
                int columns = Math.Min(tileColumns, n - column);
                for (int ip = 0; ip < rowPanels; ip++)
                {
                    int row = ip * PanelLayout.Rows;
                    float* target = y + (nint)row * n + column;
                    GemmTile<TLane, TVec>.Run(scratch + (nint)ip * PanelLayout.Rows * kLength, new StridedRows(b, tileColumns), kLength,
                        target, n, target, n, Math.Min(PanelLayout.Rows, rows - row), columns,
                        accumulate, finish, epilogue.At(row, column));
                }
            }
        }
        return k;
    }

    /// <summary>
    /// One row: column panels [firstPanel, lastPanel) by <see cref="GemvTile{TLane,TVec}"/>, four panels at a time,
    /// over the live inputs when zeros are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RunSingleRow(float* a, int k, bool skipZeros, float* panels, int tileColumns, int firstPanel, int lastPanel,
        int n, float* y, in TileEpilogue epilogue, float* scratch)
    {
        // The row's (live) values, then the offset of each one's row in a panel. The offsets cost one L1 load per k,
        // nothing next to B's stream.
        float* values = scratch;
        var offsets = (nint*)(values + k);
        int live = PanelLayout.PackLive(a, k, skipZeros, values, offsets, tileColumns);
        nint panelFloats = (nint)k * tileColumns;
        int jp = firstPanel;
        for (; jp + 4 <= lastPanel && (jp + 4) * tileColumns <= n; jp += 4)
        {
            float* p = panels + jp * panelFloats;
            GemvTile<TLane, TVec>.Run4(values, new OffsetRows(p, offsets), new OffsetRows(p + panelFloats, offsets),
                new OffsetRows(p + 2 * panelFloats, offsets), new OffsetRows(p + 3 * panelFloats, offsets), live,
                y + jp * tileColumns, epilogue.At(0, jp * tileColumns));
        }
        for (; jp < lastPanel; jp++)
            GemvTile<TLane, TVec>.Run1(values, new OffsetRows(panels + jp * panelFloats, offsets), live,
                y + jp * tileColumns, Math.Min(tileColumns, n - jp * tileColumns), epilogue.At(0, jp * tileColumns));
        return live;
    }
}
