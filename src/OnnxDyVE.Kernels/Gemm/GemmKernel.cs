using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// ONNX Gemm with constant B, for fully connected layers. B (the weights) is the vector operand,
/// packed once in tile-column panels with alpha folded in; A (the activations, M = batch rows) is the
/// broadcast operand, packed per block of K at run time. Each k step reads one row of B for every row of A,
/// so at batch 1 the weights stream once per run. Exact, but for SPET when the spec asks for it (<see cref="SpetPlan"/>).
/// </summary>
public sealed unsafe class GemmKernel
{
    /// <summary>Tile-column panels per task: a task owns 8 x 32 outputs on the widest path.</summary>
    private const int PanelsPerColumnChunk = 8;

    /// <summary>Rows of A per task: enough panels to reuse each loaded B block, few enough to share large batches out.</summary>
    private const int RowsPerRowChunk = 16 * PanelLayout.Rows;

    /// <summary>Most rows of A at which zero inputs are skipped: beyond two tile panels a k is rarely zero in every row.</summary>
    public const int SkipZeroInputsMaxRows = 2 * PanelLayout.Rows;

    /// <summary>B in tile-column panels, alpha folded in; empty with SPET, which packs B its own way.</summary>
    private readonly AlignedFloats _packedB;
    private readonly SpetPlan? _spet;
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
        if (spec.UsesSpet)
        {
            _spet = new SpetPlan(spec, b, TileColumns, SimdPaths.Width(path));
            _packedB = new AlignedFloats(0);
            return;
        }
        _packedB = new AlignedFloats(checked(_columnPanels * TileColumns * spec.K));
        float* packed = _packedB.Pointer;
        fixed (float* source = b)
        {
            (nint kStride, nint columnStride) = spec.TransB ? ((nint)1, (nint)spec.K) : ((nint)spec.N, (nint)1);
            PanelLayout.PackColumns(source, kStride, columnStride, spec.N, spec.K, TileColumns, spec.Alpha, packed);
        }
    }

    /// <summary>Work done since the kernel was made (runs are counted by the caller).</summary>
    public KernelCounters Counters { get; } = new();

    /// <summary>Lays out a run over M rows of A.</summary>
    /// <param name="effort">
    /// The run's effort in [0, 1]: SPET (<see cref="GemmSpec.SpetPrefix"/>) predicts with t = effort x
    /// <see cref="GemmSpec.SpetDelta"/>; at 0 it is exact. Without SPET it changes nothing.
    /// </param>
    public GemmWork Plan(int m, float effort = 0)
    {
        if (m <= 0) throw new ArgumentException($"A must have at least one row, got M {m}");
        if (!(effort >= 0 && effort <= 1)) throw new ArgumentException($"effort must be in [0, 1], got {effort}");
        int rowChunks = PanelLayout.CeilDiv(m, RowsPerRowChunk);
        int columnChunks = PanelLayout.CeilDiv(_columnPanels, PanelsPerColumnChunk);
        return new GemmWork(m, rowChunks, columnChunks, rowChunks * columnChunks, effort);
    }

    private bool SkipsZeroInputs(int m) => Spec.SkipZeroInputs && m <= SkipZeroInputsMaxRows;

    /// <summary>
    /// k per block. With one or two row panels (batch up to 12) the output is tiny and B streams from memory
    /// once: take all of K in one block, so each B panel is read as one sequential stream.
    /// </summary>
    private int KBlock(int m) => m <= 2 * PanelLayout.Rows ? Spec.K : Math.Min(PanelLayout.KBlock, Spec.K);

    /// <summary>Computes one task: Y (M x N) from A and C (null for none, broadcast by <paramref name="bias"/>).</summary>
    public void RunTask(in GemmWork work, float* a, float* c, GemmBias bias, float* y, int task)
    {
        var run = new TaskWork(this, work, a, c, bias, y, task);
        SimdDispatch.Run(Path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(GemmKernel kernel, GemmWork work, float* a, float* c, GemmBias bias, float* y, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, a, c, bias, y, task);
    }

    private void RunTask<TLane, TVec>(in GemmWork work, float* a, float* c, GemmBias bias, float* y, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        GemmSpec spec = Spec;
        int rowChunk = task / work.ColumnChunks;
        int columnChunk = task - rowChunk * work.ColumnChunks;
        int m0 = rowChunk * RowsPerRowChunk;
        int rows = Math.Min(RowsPerRowChunk, work.M - m0);
        int firstPanel = columnChunk * PanelsPerColumnChunk;
        int lastPanel = Math.Min(firstPanel + PanelsPerColumnChunk, _columnPanels);
        (nint rowStride, nint kStride) = spec.TransA ? ((nint)1, (nint)work.M) : ((nint)spec.K, (nint)1);
        var epilogue = new TileEpilogue(c, bias.RowStride, bias.ColumnStride, spec.Beta, spec.Activation);
        var chunk = new GemmChunk(a + m0 * rowStride, rowStride, kStride, rows, firstPanel, lastPanel, y + (nint)m0 * spec.N,
            epilogue.At(m0, 0), KBlock(work.M), SkipsZeroInputs(work.M));
        if (_spet is not null)
        {
            SpetRun.Run<TLane, TVec>(_spet, chunk, work.Effort, Counters);
            return;
        }
        int k = spec.K;
        float* scratch = ScratchArena.Rent(PanelProduct.ScratchFloats(rows, k, chunk.KBlock, chunk.SkipZeros, kStride));
        int live = PanelProduct<TLane, TVec>.Run(chunk.A, rowStride, kStride, rows, k, chunk.KBlock, chunk.SkipZeros,
            _packedB.Pointer, TileColumns, firstPanel, lastPanel, spec.N, chunk.Y, chunk.Epilogue, scratch);
        long outputs = (long)rows * chunk.Columns(TileColumns, spec.N);
        Counters.Add(outputs * live, outputs * k, outputs);
    }
}

/// <summary>A Gemm run laid out as independent tasks, at the run's effort (SPET's, when the spec has it).</summary>
public readonly record struct GemmWork(int M, int RowChunks, int ColumnChunks, int TaskCount, float Effort = 0);

/// <summary>
/// What one task computes: rows [m0, m0 + Rows) of Y (A, Y and the epilogue positioned at row m0) over the columns of
/// panels [FirstPanel, LastPanel).
/// </summary>
internal readonly unsafe struct GemmChunk(float* a, nint rowStride, nint kStride, int rows, int firstPanel, int lastPanel,
    float* y, TileEpilogue epilogue, int kBlock, bool skipZeros)
{
    public readonly float* A = a;
    public readonly nint RowStride = rowStride;
    public readonly nint KStride = kStride;
    public readonly int Rows = rows;
    public readonly int FirstPanel = firstPanel;
    public readonly int LastPanel = lastPanel;
    public readonly float* Y = y;
    public readonly TileEpilogue Epilogue = epilogue;
    /// <summary>k per block of the product (all of K where zeros are skipped).</summary>
    public readonly int KBlock = kBlock;
    public readonly bool SkipZeros = skipZeros;

    /// <summary>Output columns of the chunk (the last panel may be ragged).</summary>
    public int Columns(int tileColumns, int n) => Math.Min(n, LastPanel * tileColumns) - FirstPanel * tileColumns;
}
