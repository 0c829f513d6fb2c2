using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Exact ONNX Gemm with constant B, for fully connected layers. B (the weights) is the vector operand,
/// packed once in tile-column panels with alpha folded in; A (the activations, M = batch rows) is the
/// broadcast operand, packed per block of K at run time. Each k step reads one row of B for every row of A,
/// so at batch 1 the weights stream once per run.
/// </summary>
public sealed unsafe class GemmKernel
{
    /// <summary>Tile-column panels per task: a task owns 8 x 32 outputs on the widest path.</summary>
    private const int PanelsPerColumnChunk = 8;

    /// <summary>Rows of A per task: enough panels to reuse each loaded B block, few enough to share large batches out.</summary>
    private const int RowsPerRowChunk = 16 * PanelLayout.Rows;

    /// <summary>Most rows of A at which zero inputs are skipped: beyond two tile panels a k is rarely zero in every row.</summary>
    public const int SkipZeroInputsMaxRows = 2 * PanelLayout.Rows;

    private readonly float[] _packedB;
    private readonly int _columnPanels;

    public GemmSpec Spec { get; }
    public SimdPath Path { get; }
    public int TileColumns { get; }

    /// <param name="b">K x N (or N x K with TransB), row-major.</param>
    public GemmKernel(GemmSpec spec, ReadOnlySpan<float> b, SimdPath path)
    {
        spec.Validate();
        if (b.Length != (long)spec.K * spec.N)
            throw new ArgumentException($"B holds {b.Length} values, expected K {spec.K} x N {spec.N}");
        Spec = spec;
        Path = path;
        TileColumns = PanelLayout.Columns(path);
        _columnPanels = PanelLayout.CeilDiv(spec.N, TileColumns);
        _packedB = GC.AllocateUninitializedArray<float>(checked(_columnPanels * TileColumns * spec.K), pinned: true);
        fixed (float* source = b)
        fixed (float* packed = _packedB)
        {
            (nint kStride, nint columnStride) = spec.TransB ? ((nint)1, (nint)spec.K) : ((nint)spec.N, (nint)1);
            PanelLayout.PackColumns(source, kStride, columnStride, spec.N, spec.K, TileColumns, spec.Alpha, packed);
        }
    }

    /// <summary>Work done since the kernel was made (runs are counted by the caller).</summary>
    public KernelCounters Counters { get; } = new();

    /// <summary>Lays out a run over M rows of A.</summary>
    public GemmWork Plan(int m)
    {
        if (m <= 0) throw new ArgumentException($"A must have at least one row, got M {m}");
        int rowChunks = PanelLayout.CeilDiv(m, RowsPerRowChunk);
        int columnChunks = PanelLayout.CeilDiv(_columnPanels, PanelsPerColumnChunk);
        return new GemmWork(m, rowChunks, columnChunks, rowChunks * columnChunks);
    }

    private int ScratchFloats(in GemmWork work) =>
        PanelLayout.CeilDiv(Math.Min(work.M, RowsPerRowChunk), PanelLayout.Rows) * PanelLayout.Rows * KBlock(work.M);

    private bool SkipsZeroInputs(int m) => Spec.SkipZeroInputs && m <= SkipZeroInputsMaxRows;

    /// <summary>
    /// k per block. With one or two row panels (batch up to 12) the output is tiny and B streams from memory
    /// once: take all of K in one block, so each B panel is read as one sequential stream.
    /// </summary>
    private int KBlock(int m) => m <= 2 * PanelLayout.Rows ? Spec.K : Math.Min(PanelLayout.KBlock, Spec.K);

    /// <summary>Computes one task: Y (M x N) from A and C (null for none, broadcast by <paramref name="bias"/>).</summary>
    public void RunTask(in GemmWork work, float* a, float* c, GemmBias bias, float* y, int task)
    {
        switch (Path)
        {
            case SimdPath.Vector512:
                RunTask<Lane512, System.Runtime.Intrinsics.Vector512<float>>(work, a, c, bias, y, task);
                break;
            case SimdPath.Vector256:
                RunTask<Lane256, System.Runtime.Intrinsics.Vector256<float>>(work, a, c, bias, y, task);
                break;
            case SimdPath.Vector128:
                RunTask<Lane128, System.Runtime.Intrinsics.Vector128<float>>(work, a, c, bias, y, task);
                break;
            default:
                RunTask<LaneScalar, float>(work, a, c, bias, y, task);
                break;
        }
    }

    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in GemmWork work, float* a, float* c, GemmBias bias, float* y, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        GemmSpec spec = Spec;
        int rowChunk = task / work.ColumnChunks;
        int columnChunk = task - rowChunk * work.ColumnChunks;
        int m0 = rowChunk * RowsPerRowChunk;
        int mLength = Math.Min(RowsPerRowChunk, work.M - m0);
        int rowPanels = PanelLayout.CeilDiv(mLength, PanelLayout.Rows);
        int firstPanel = columnChunk * PanelsPerColumnChunk;
        int lastPanel = Math.Min(firstPanel + PanelsPerColumnChunk, _columnPanels);
        int k = spec.K;
        int n = spec.N;
        int tileColumns = TileColumns;
        (nint rowStride, nint kStride) = spec.TransA ? ((nint)1, (nint)work.M) : ((nint)k, (nint)1);

        if (work.M == 1)
        {
            RunSingleRow<TLane, TVec>(a, c, bias, y, firstPanel, lastPanel);
            return;
        }
        int kBlock = KBlock(work.M);
        bool skipZeros = SkipsZeroInputs(work.M);
        // A's panels, then (when zeros are skipped) the offset of each live k's row in a B panel.
        float* packedA = ScratchArena.Rent(ScratchFloats(work) + (skipZeros ? k * (sizeof(nint) / sizeof(float)) : 0));
        var epilogue = new TileEpilogue(c, bias.RowStride, bias.ColumnStride, spec.Beta, spec.Activation);
        long denseMacs = (long)mLength * k * (Math.Min(n, lastPanel * tileColumns) - firstPanel * tileColumns);
        fixed (float* packedB = _packedB)
        {
            if (skipZeros)
            {
                // All of K is one block at these batch sizes (KBlock), so one pass finds the live k.
                nint* offsets = (nint*)(packedA + ScratchFloats(work));
                int live = PanelLayout.PackLiveRows(a + m0 * rowStride, rowStride, kStride, mLength, k, packedA, offsets, tileColumns);
                for (int jp = firstPanel; jp < lastPanel; jp++)
                {
                    int column = jp * tileColumns;
                    float* panel = packedB + (nint)jp * k * tileColumns;
                    int columns = Math.Min(tileColumns, n - column);
                    for (int ip = 0; ip < rowPanels; ip++)
                    {
                        int row = m0 + ip * PanelLayout.Rows;
                        float* rowPanel = packedA + (nint)ip * PanelLayout.Rows * k;
                        float* target = y + (nint)row * n + column;
                        int rows = Math.Min(PanelLayout.Rows, work.M - row);
                        // With no zero k the packed A is the dense one: read B's rows in order, without the offset table.
                        if (live == k)
                            GemmTile<TLane, TVec>.Run(rowPanel, new StridedRows(panel, tileColumns), live, target, n, target, n, rows, columns,
                                accumulate: false, finish: true, epilogue.At(row, column));
                        else
                            GemmTile<TLane, TVec>.Run(rowPanel, new OffsetRows(panel, offsets), live, target, n, target, n, rows, columns,
                                accumulate: false, finish: true, epilogue.At(row, column));
                    }
                }
                Counters.Add(denseMacs * live / k, denseMacs, denseMacs / k);
                return;
            }
            for (int k0 = 0; k0 < k; k0 += kBlock)
            {
                int kLength = Math.Min(kBlock, k - k0);
                bool accumulate = k0 > 0;
                bool finish = k0 + kLength == k;
                PanelLayout.PackRows(a + m0 * rowStride + k0 * kStride, rowStride, kStride, mLength, kLength, 1f, packedA);
                for (int jp = firstPanel; jp < lastPanel; jp++)
                {
                    int column = jp * tileColumns;
                    float* b = packedB + ((nint)jp * k + k0) * tileColumns;
                    int columns = Math.Min(tileColumns, n - column);
                    for (int ip = 0; ip < rowPanels; ip++)
                    {
                        int row = m0 + ip * PanelLayout.Rows;
                        float* target = y + (nint)row * n + column;
                        GemmTile<TLane, TVec>.Run(packedA + (nint)ip * PanelLayout.Rows * kLength, new StridedRows(b, tileColumns), kLength,
                            target, n, target, n, Math.Min(PanelLayout.Rows, work.M - row), columns,
                            accumulate, finish, epilogue.At(row, column));
                    }
                }
            }
        }
        Counters.Add(denseMacs, denseMacs, denseMacs / Spec.K);
    }

    /// <summary>
    /// Batch 1: column panels [firstPanel, lastPanel) of y = act(alpha a B + beta C) by <see cref="GemvTile{TLane,TVec}"/>,
    /// four panels at a time, over the live inputs when zeros are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunSingleRow<TLane, TVec>(float* a, float* c, GemmBias bias, float* y, int firstPanel, int lastPanel)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        GemmSpec spec = Spec;
        int k = spec.K, n = spec.N, tileColumns = TileColumns;
        var epilogue = new TileEpilogue(c, bias.RowStride, bias.ColumnStride, spec.Beta, spec.Activation);
        // One row of A is K contiguous floats whether or not it is transposed: its (live) values, then the
        // offset of each one's row in a panel. The offsets cost one L1 load per k, nothing next to B's stream.
        float* values = ScratchArena.Rent(k + k * (sizeof(nint) / sizeof(float)));
        var offsets = (nint*)(values + k);
        int live = PanelLayout.PackLive(a, k, spec.SkipZeroInputs, values, offsets, tileColumns);
        long denseMacs = (long)k * (Math.Min(n, lastPanel * tileColumns) - firstPanel * tileColumns);
        fixed (float* packedB = _packedB)
        {
            nint panelFloats = (nint)k * tileColumns;
            int jp = firstPanel;
            for (; jp + 4 <= lastPanel && (jp + 4) * tileColumns <= n; jp += 4)
            {
                float* p = packedB + jp * panelFloats;
                GemvTile<TLane, TVec>.Run4(values, new OffsetRows(p, offsets), new OffsetRows(p + panelFloats, offsets),
                    new OffsetRows(p + 2 * panelFloats, offsets), new OffsetRows(p + 3 * panelFloats, offsets), live,
                    y + jp * tileColumns, epilogue.At(0, jp * tileColumns));
            }
            for (; jp < lastPanel; jp++)
                GemvTile<TLane, TVec>.Run1(values, new OffsetRows(packedB + jp * panelFloats, offsets), live,
                    y + jp * tileColumns, Math.Min(tileColumns, n - jp * tileColumns), epilogue.At(0, jp * tileColumns));
        }
        Counters.Add(denseMacs * live / k, denseMacs, denseMacs / k);
    }
}

/// <summary>A Gemm run laid out as independent tasks.</summary>
public readonly record struct GemmWork(int M, int RowChunks, int ColumnChunks, int TaskCount);
