using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Gemm;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Where a compute task finds each tile panel of the im2col operand, per <see cref="ConvAlgorithm"/>.
/// Structs, so <see cref="ConvKernel"/>'s loop is compiled once per algorithm with the lookups inlined.
/// </summary>
internal interface IColumnSource<TRows> where TRows : struct, IVectorOperandRows
{
    /// <summary>Makes k in [k0, k0 + kLength) readable (packs them, when the source packs).</summary>
    void BeginBlock(int k0, int kLength);

    /// <summary>Rows k0.. of column panel <paramref name="panel"/> (tile-width columns from the task's first).</summary>
    TRows Panel(int k0, int kLength, int panel);
}

/// <summary><see cref="ConvAlgorithm.Im2Col"/>: blocks of the im2col matrix packed into panels, by this task or by the packing phase.</summary>
/// <param name="chunkColumns">Columns per k of a shared buffer (the plan's column chunk).</param>
internal readonly unsafe struct Im2ColBlocks(ConvSpec spec, ConvGeometry geometry, float* groupInput, int n0, int nLength,
    int tileColumns, float* packed, bool packShared, int chunkColumns) : IColumnSource<StridedRows>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBlock(int k0, int kLength)
    {
        if (!packShared)
            Im2ColPacker.Pack(groupInput, spec, geometry, k0, kLength, n0, nLength, tileColumns, packed);
    }

    /// <remarks>A shared buffer holds all of K for the unit; a task's own holds the current block.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public StridedRows Panel(int k0, int kLength, int panel)
    {
        float* block = packShared ? packed + (nint)k0 * chunkColumns : packed;
        return new StridedRows(block + (nint)panel * kLength * tileColumns, tileColumns);
    }
}

/// <summary>
/// <see cref="ConvAlgorithm.Pointwise"/>: row k is input channel k, read in place. A ragged last panel would
/// read past the input's end, so its columns are packed (zero-padded) per block.
/// </summary>
internal readonly unsafe struct PointwiseRows(float* first, nint plane, int nLength, int tileColumns, float* tail) : IColumnSource<StridedRows>
{
    private int FullPanels => nLength / tileColumns;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBlock(int k0, int kLength)
    {
        int used = nLength - FullPanels * tileColumns;
        if (used > 0)
            PanelLayout.PackColumns(first + k0 * plane + FullPanels * tileColumns, plane, 1, used, kLength, tileColumns, 1f, tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public StridedRows Panel(int k0, int kLength, int panel) =>
        panel < FullPanels ? new StridedRows(first + k0 * plane + panel * tileColumns, plane) : new StridedRows(tail, tileColumns);
}

/// <summary><see cref="ConvAlgorithm.PaddedTaps"/>: row k is the padded input shifted by tap k's offset, read in place.</summary>
internal readonly unsafe struct ShiftedRows(float* first, nint* offsets, int tileColumns) : IColumnSource<OffsetRows>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBlock(int k0, int kLength) { }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public OffsetRows Panel(int k0, int kLength, int panel) => new(first + panel * tileColumns, offsets + k0);
}

/// <summary>The weight panels of one group, and what finishes each output tile.</summary>
internal readonly unsafe struct WeightPanels(float* panels, int k, TileEpilogue epilogue)
{
    public float* Panels => panels;
    public int K => k;
    public TileEpilogue Epilogue => epilogue;
}

/// <summary>A task's output channels within the group: tile panels [FirstPanel, LastPanel), of GroupRows rows in all.</summary>
internal readonly record struct RowRange(int FirstPanel, int LastPanel, int GroupRows)
{
    public int First => FirstPanel * PanelLayout.Rows;

    /// <summary>Real rows of the range (the group's last panel may be short).</summary>
    public int Count => Math.Min(LastPanel * PanelLayout.Rows, GroupRows) - First;
}

/// <summary>Where a column panel's tiles accumulate: row r (counted in the group) at C + r * Ldc.</summary>
/// <param name="Spilled">The tiles accumulate away from the output and must be moved there once finished.</param>
internal readonly unsafe struct TilePanel(float* c, nint ldc, bool spilled)
{
    public float* C => c;
    public nint Ldc => ldc;
    public bool Spilled => spilled;
}

/// <summary>Where a compute task's output tiles accumulate, and how a tile that accumulated elsewhere reaches the output.</summary>
internal unsafe interface ITileTarget
{
    TilePanel Panel(int panel, int columns);

    /// <summary>Moves rows [row, row + rows) of a finished <see cref="TilePanel.Spilled"/> panel to the output.</summary>
    void Store(int panel, int columns, int row, int rows);
}

/// <summary>Tiles accumulate in the output itself (compute columns are output positions).</summary>
internal readonly unsafe struct OutputRows(float* first, nint plane, int tileColumns) : ITileTarget
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TilePanel Panel(int panel, int columns) => new(first + panel * tileColumns, plane, false);

    public void Store(int panel, int columns, int row, int rows) =>
        throw new InvalidOperationException("output tiles are never spilled");
}

/// <summary>
/// Output of compute columns in rows of their own (<see cref="ColumnPlacement"/>: padded taps' padded-width rows, a
/// padded 1x1 convolution's interior): a panel whose columns lie inside one output row accumulates in the output;
/// one that crosses a row's end accumulates in the task's compute rows (<paramref name="spill"/>,
/// <paramref name="spillPitch"/> apart) and each finished tile is moved out at once, while it is still in L1, so its
/// stores overlap the next tile's arithmetic.
/// </summary>
internal readonly unsafe struct PaddedOutputRows(float* output, ColumnPlacement placement, nint outputPlane, int n0, int tileColumns,
    float* spill, nint spillPitch) : ITileTarget
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TilePanel Panel(int panel, int columns)
    {
        int n = n0 + panel * tileColumns;
        int y = n / placement.ComputePitch;
        int x = n - y * placement.ComputePitch;
        return x + columns <= placement.RealWidth
            ? new TilePanel(output + placement.OutputOffset + (nint)y * placement.OutputWidth + x, outputPlane, false)
            : new TilePanel(spill + panel * tileColumns, spillPitch, true);
    }

    public void Store(int panel, int columns, int row, int rows) =>
        PaddedTaps.StoreColumns(spill + row * spillPitch + panel * tileColumns, spillPitch, rows, n0 + panel * tileColumns,
            columns, placement, outputPlane, output + (nint)row * outputPlane);
}
