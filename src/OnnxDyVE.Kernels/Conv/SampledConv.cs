using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// SDSS, significance-driven selective sampling, for a stride-1 convolution of one group. Per image:
/// <list type="number">
/// <item>grid: every output channel at the positions of <see cref="SampledGrid"/> (a quarter of them);</item>
/// <item>decide: for each other position and each block of <see cref="BlockChannels"/> output channels, the
/// spread (max - min) of its grid neighbours in each channel; the block is interpolated there when no channel's
/// spread exceeds the threshold, else the position joins the block's list;</item>
/// <item>compute: the listed positions, exactly, for the block's channels only;</item>
/// <item>store: grid, computed and interpolated values into the output maps.</item>
/// </list>
/// The threshold is absolute (a fraction of the layer's activation scale), so maps whose values are small
/// next to the layer's scale, the insignificant ones, are interpolated almost everywhere and significant maps
/// are computed where they vary. Skipped positions are never computed: a tile is six listed positions read in
/// place from the padded input (<see cref="PositionBroadcast"/>) against a panel of packed weights, as dense
/// as the exact kernel's tiles. Decisions are made per block of channels, not per neuron, for the same reason.
/// </summary>
internal sealed unsafe class SampledConv
{
    /// <summary>Output channels decided together: one Vector512 tile's columns, two Vector256 tiles', and so on.</summary>
    public const int BlockChannels = 32;

    /// <summary>Tasks a phase is cut into at least, when the map allows, so two to eight threads stay busy.</summary>
    private const int MinimumTasks = 8;

    private readonly ConvSpec _spec;
    private readonly SimdPath _path;
    private readonly int _columns;
    private readonly KernelCounters _counters;
    private readonly PositionTiles _tiles;

    /// <summary>Output channels rounded up to whole tiles.</summary>
    private int PaddedChannels => _tiles.PaddedChannels;

    public SampledConv(PositionTiles tiles, KernelCounters counters)
    {
        _tiles = tiles;
        _spec = tiles.Spec;
        _path = tiles.Path;
        _columns = tiles.Columns;
        _counters = counters;
    }

    /// <summary>Whether SDSS applies to <paramref name="spec"/>: stride 1 (it reads the padded input in place) and one group.</summary>
    public static bool Applies(ConvSpec spec) =>
        spec.SdssDelta > 0 && spec.StrideHeight == 1 && spec.StrideWidth == 1 && PositionTiles.Applies(spec);

    /// <summary>
    /// The layout of a run whose padded input (and zero-map flags) take the first <paramref name="start"/> floats
    /// of the run-wide buffer; <see cref="SampledLayout.Lists"/> etc. follow.
    /// </summary>
    public SampledLayout Layout(int batch, in ConvGeometry geometry, float threshold, long start, out long sharedFloats)
    {
        var grid = new SampledGrid(geometry.OutputHeight, geometry.OutputWidth);
        int perImage = PanelLayout.CeilDiv(MinimumTasks, batch);
        int gridChunk = PanelLayout.CeilDiv(PanelLayout.CeilDiv(grid.Count, perImage), PanelLayout.Rows) * PanelLayout.Rows;
        int gridChunks = PanelLayout.CeilDiv(grid.Count, gridChunk);
        int blocks = PanelLayout.CeilDiv(PaddedChannels, BlockChannels);
        int rowsPerBand = PanelLayout.CeilDiv(geometry.OutputHeight, Math.Min(perImage, geometry.OutputHeight));
        int bands = PanelLayout.CeilDiv(geometry.OutputHeight, rowsPerBand);
        long n = geometry.OutputSize;
        long gridValues = Align(start);
        long computedValues = Align(gridValues + (long)batch * grid.Count * PaddedChannels);
        long entries = Align(computedValues + (long)batch * blocks * n * BlockChannels);
        long lists = entries + (long)batch * blocks * n;
        long counts = lists + (long)batch * blocks * n;
        sharedFloats = counts + (long)batch * blocks * bands;
        return new SampledLayout(threshold, grid, gridChunk, gridChunks, blocks, bands, rowsPerBand,
            gridValues, computedValues, entries, lists, counts);
    }

    /// <summary>Rounds a float offset up to a cache line.</summary>
    private static long Align(long floats) => (floats + 15) & ~15L;

    /// <summary>Phase <paramref name="phase"/> (after the copy), task <paramref name="task"/>; see <see cref="SampledLayout"/>.</summary>
    public void RunTask(in ConvWork work, int phase, float* output, float* shared, int task)
    {
        var run = new TaskWork(this, work, phase, output, shared, task);
        SimdDispatch.Run(_path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(SampledConv kernel, ConvWork work, int phase, float* output, float* shared, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, phase, output, shared, task);
    }

    private void RunTask<TLane, TVec>(in ConvWork work, int phase, float* output, float* shared, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        SampledLayout layout = work.Sampled;
        switch (phase)
        {
            case SampledLayout.GridPhase:
                ComputeGrid<TLane, TVec>(work, shared, task / layout.GridChunks, task % layout.GridChunks);
                break;
            case SampledLayout.DecidePhase:
                Decide<TLane, TVec>(work, shared, task / layout.Bands, task % layout.Bands);
                break;
            case SampledLayout.ComputePhase:
            {
                int band = task % layout.Bands;
                int rest = task / layout.Bands;
                ComputeListed<TLane, TVec>(work, shared, rest / layout.Blocks, rest % layout.Blocks, band);
                break;
            }
            default:
            {
                int band = task % layout.Bands;
                int rest = task / layout.Bands;
                Store<TLane, TVec>(work, output, shared, rest / layout.Blocks, rest % layout.Blocks, band);
                break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeGrid<TLane, TVec>(in ConvWork work, float* shared, int image, int chunk)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        SampledLayout layout = work.Sampled;
        SampledGrid grid = layout.Grid;
        int first = chunk * layout.GridChunk;
        int count = Math.Min(layout.GridChunk, grid.Count - first);
        // Row r of a tile is grid position first + t + r: its padded-input origin, found once per task.
        PositionTiles.ImageOperand operand = _tiles.Operand(work, shared, image, count);
        nint* origins = operand.Origins;
        nint pitch = (nint)work.Geometry.PaddedWidth;
        for (int i = 0; i < count; i++)
        {
            int g = first + i;
            int gy = g / grid.GridWidth;
            origins[i] = 2 * gy * pitch + 2 * (g - gy * grid.GridWidth);
        }
        float* values = shared + layout.GridValues + ((nint)image * grid.Count + first) * PaddedChannels;
        _tiles.Multiply<TLane, TVec>(operand, count, 0, PaddedChannels / _columns, values, PaddedChannels);
        Count(operand.Segments.TotalLength, (long)count * _spec.OutputChannels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeListed<TLane, TVec>(in ConvWork work, float* shared, int image, int block, int band)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        SampledLayout layout = work.Sampled;
        int outW = work.Geometry.OutputWidth;
        long n = work.Geometry.OutputSize;
        long list = ((long)image * layout.Blocks + block) * n;
        int count = ((int*)(shared + layout.ListCounts))[((long)image * layout.Blocks + block) * layout.Bands + band];
        if (count == 0) return;
        int start = band * layout.RowsPerBand * outW;
        int* positions = (int*)(shared + layout.Lists) + list + start;
        PositionTiles.ImageOperand operand = _tiles.Operand(work, shared, image, count);
        nint* origins = operand.Origins;
        nint pitch = (nint)work.Geometry.PaddedWidth;
        for (int i = 0; i < count; i++)
        {
            int p = positions[i];
            int oy = p / outW;
            origins[i] = oy * pitch + (p - oy * outW);
        }
        int firstPanel = block * BlockChannels / _columns;
        int lastPanel = Math.Min(PaddedChannels, (block + 1) * BlockChannels) / _columns;
        float* values = shared + layout.ComputedValues + (list + start) * BlockChannels - (nint)firstPanel * _columns;
        _tiles.Multiply<TLane, TVec>(operand, count, firstPanel, lastPanel, values, BlockChannels);
        Count(operand.Segments.TotalLength, (long)count * RealChannels(block), dense: false);
    }

    private int RealChannels(int block) => Math.Min(BlockChannels, _spec.OutputChannels - block * BlockChannels);

    private void Count(int executedK, long outputs, bool dense = true) =>
        _counters.Add(outputs * executedK, dense ? outputs * _spec.ReductionLength : 0);

    /// <summary>
    /// For each off-grid position of the band and each block: the widest spread of its grid neighbours over the
    /// block's channels (a vector of channels at a time: grid values are position-major) against the threshold;
    /// listed for computing when it exceeds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Decide<TLane, TVec>(in ConvWork work, float* shared, int image, int band)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        var b = new ImageBand(work, shared, image, band, PaddedChannels);
        SampledLayout layout = b.Layout;
        SampledGrid grid = layout.Grid;
        (int outH, int outW, long n, int y0, int y1) = (b.OutH, b.OutW, b.N, b.Y0, b.Y1);
        float* gridValues = b.GridValues;
        int* entries = (int*)(shared + layout.Entries) + (long)image * layout.Blocks * n;
        int* lists = (int*)(shared + layout.Lists) + (long)image * layout.Blocks * n + y0 * outW;
        Span<int> listed = stackalloc int[layout.Blocks];
        listed.Clear();
        NeighbourRows neighbours = default;
        TVec threshold = TLane.Broadcast(layout.Threshold);
        long comparisons = 0;
        for (int y = y0; y < y1; y++)
        {
            AxisNeighbours rows = SampledGrid.Axis(y, outH);
            for (int x = 0; x < outW; x++)
            {
                if (SampledGrid.OnGrid(y, x)) continue;
                int count = neighbours.Find(gridValues, grid, rows, SampledGrid.Axis(x, outW), PaddedChannels);
                int p = y * outW + x;
                for (int block = 0; block < layout.Blocks; block++)
                {
                    int c0 = block * BlockChannels;
                    int width = Math.Min(BlockChannels, PaddedChannels - c0);
                    bool agree = true;
                    int scanned = 0;
                    for (int j = c0; j < c0 + width && agree; j += TLane.Count)
                    {
                        TVec max = TLane.Load(ref neighbours.Row(0)[j]), min = max;
                        for (int i = 1; i < count; i++)
                        {
                            TVec v = TLane.Load(ref neighbours.Row(i)[j]);
                            max = TLane.Max(max, v);
                            min = TLane.Min(min, v);
                        }
                        scanned += TLane.Count;
                        // NaN compares false: a NaN neighbour forces the position to be computed.
                        agree = TLane.AllLessOrEqual(TLane.Subtract(max, min), threshold);
                    }
                    comparisons += (long)Math.Min(scanned, RealChannels(block)) * 2 * count;
                    long at = block * n + p;
                    if (agree)
                    {
                        entries[at] = -1;
                        continue;
                    }
                    entries[at] = y0 * outW + listed[block];
                    lists[block * n + listed[block]++] = p;
                }
            }
        }
        int* counts = (int*)(shared + layout.ListCounts) + (long)image * layout.Blocks * layout.Bands;
        for (int block = 0; block < layout.Blocks; block++) counts[block * layout.Bands + band] = listed[block];
        _counters.AddOverhead(comparisons);
    }

    /// <summary>
    /// The band's output maps of the block's channels: row by row, each position's channels (grid values, computed
    /// ones, or the interpolation of its grid neighbours, a vector of channels at a time) into a channel-major row
    /// buffer, then each channel's row into its map.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Store<TLane, TVec>(in ConvWork work, float* output, float* shared, int image, int block, int band)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        var b = new ImageBand(work, shared, image, band, PaddedChannels);
        SampledLayout layout = b.Layout;
        SampledGrid grid = layout.Grid;
        (int outH, int outW, long n, int y0, int y1) = (b.OutH, b.OutW, b.N, b.Y0, b.Y1);
        float* gridValues = b.GridValues;
        long list = ((long)image * layout.Blocks + block) * n;
        int* entries = (int*)(shared + layout.Entries) + list;
        float* computed = shared + layout.ComputedValues + list * BlockChannels;
        int c0 = block * BlockChannels;
        int width = Math.Min(BlockChannels, PaddedChannels - c0);
        int channels = RealChannels(block);
        float* rowBuffer = ScratchArena.Rent((nint)BlockChannels * outW);
        Span<float> values = stackalloc float[BlockChannels];
        ref float first = ref values[0];
        NeighbourRows neighbours = default;
        long interpolated = 0, offGrid = 0, interpolationOps = 0;
        for (int y = y0; y < y1; y++)
        {
            AxisNeighbours rows = SampledGrid.Axis(y, outH);
            for (int x = 0; x < outW; x++)
            {
                int p = y * outW + x;
                float* source;
                if (SampledGrid.OnGrid(y, x))
                {
                    source = gridValues + ((nint)(y / 2) * grid.GridWidth + x / 2) * PaddedChannels + c0;
                }
                else if (entries[p] >= 0)
                {
                    offGrid++;
                    source = computed + (nint)entries[p] * BlockChannels;
                }
                else
                {
                    offGrid++;
                    int count = neighbours.Find(gridValues, grid, rows, SampledGrid.Axis(x, outW), PaddedChannels);
                    for (int j = 0; j < width; j += TLane.Count)
                    {
                        TVec sum = TLane.Multiply(TLane.Broadcast(neighbours.Weight(0)), TLane.Load(ref neighbours.Row(0)[c0 + j]));
                        for (int i = 1; i < count; i++)
                            sum = TLane.MultiplyAdd(TLane.Broadcast(neighbours.Weight(i)), TLane.Load(ref neighbours.Row(i)[c0 + j]), sum);
                        TLane.Store(sum, ref Unsafe.Add(ref first, j));
                    }
                    interpolated++;
                    interpolationOps += (long)channels * count;
                    source = (float*)Unsafe.AsPointer(ref first);
                }
                // Position-major into the row's buffer, then transposed into the maps in registers: a value at a time, the
                // transposition had been a sixth of cifar10_quick's time with SDSS on its conv1.
                for (int j = 0; j < width; j += TLane.Count)
                    TLane.Store(TLane.Load(ref source[j]), ref rowBuffer[(nint)x * BlockChannels + j]);
            }
            ChannelMaps.Store(rowBuffer, BlockChannels, outW, channels, output + ((nint)image * _spec.OutputChannels + c0) * n + (nint)y * outW, (nint)n, _path);
        }
        _counters.Add(0, offGrid * channels * _spec.ReductionLength, (long)(y1 - y0) * outW * channels);
        _counters.AddOverhead(interpolationOps);
        _counters.AddApproximated(interpolated * channels);
    }

    /// <summary>One band of one image's output maps, and the image's grid values (position-major).</summary>
    private readonly struct ImageBand
    {
        public readonly SampledLayout Layout;
        public readonly int OutH, OutW, Y0, Y1;
        public readonly long N;
        public readonly float* GridValues;

        public ImageBand(in ConvWork work, float* shared, int image, int band, int paddedChannels)
        {
            Layout = work.Sampled;
            OutH = work.Geometry.OutputHeight;
            OutW = work.Geometry.OutputWidth;
            N = work.Geometry.OutputSize;
            Y0 = band * Layout.RowsPerBand;
            Y1 = Math.Min(OutH, Y0 + Layout.RowsPerBand);
            GridValues = shared + Layout.GridValues + (nint)image * Layout.Grid.Count * paddedChannels;
        }
    }

    /// <summary>The grid neighbours of one off-grid position: up to four rows of grid values and their interpolation weights.</summary>
    private struct NeighbourRows
    {
        private Rows4 _rows;
        private Weights4 _weights;

        /// <summary>Finds the neighbours (the product of the two axes' grid coordinates); returns how many.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Find(float* gridValues, SampledGrid grid, AxisNeighbours rows, AxisNeighbours columns, int stride)
        {
            int count = 0;
            for (int i = 0; i < rows.Count; i++)
                for (int j = 0; j < columns.Count; j++)
                {
                    _rows[count] = (nint)(gridValues + ((nint)rows.At(i) * grid.GridWidth + columns.At(j)) * stride);
                    _weights[count++] = rows.WeightAt(i) * columns.WeightAt(j);
                }
            return count;
        }

        /// <summary>Neighbour <paramref name="i"/>'s grid values, channel 0 first.</summary>
        public readonly float* Row(int i) => (float*)_rows[i];

        public readonly float Weight(int i) => _weights[i];
    }

    [InlineArray(4)]
    private struct Rows4
    {
        private nint _element;
    }

    [InlineArray(4)]
    private struct Weights4
    {
        private float _element;
    }
}
