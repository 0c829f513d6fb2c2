using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// An exact convolution over pruned weights (<see cref="ConvAlgorithm.SparseTaps"/>): every output channel multiplies only
/// its nonzero weights, each against a row of output positions. Deep Compression's SqueezeNet keeps 30%-33% of the weights
/// of its 3 x 3 expands, which a dense kernel multiplies all the same.
/// </summary>
/// <remarks>
/// Positions are the vector side: a nonzero weight W[m, c, ky, kx] adds w x (input c shifted by the tap) to a tile of
/// <see cref="TileVectors"/> vectors of m's outputs, one broadcast and a load per vector of MACs. The loads are aligned,
/// which split loads were not (a tap's row starting anywhere in a line: fire8's 3 x 3 expand at 30% nonzero 1.3x faster
/// than the dense kernel, 2.0x with every load aligned): rows are <see cref="PitchMultiple"/> floats apart and the input is
/// copied once per column of the kernel (copy s holds the padded input shifted left by s columns), so every tap's row
/// starts on a vector. A tile takes the input channels in passes whose rows stay in L1 (<see cref="L1RowBytes"/>) while
/// every output channel goes over them, and a task takes every output channel over its chunk of positions. Outputs at the
/// columns past a row's end are computed and dropped. The sums run in the order of K from zero, as the dense kernel's do,
/// and a zero weight adds exactly zero there: the outputs are the dense kernel's.
/// </remarks>
internal sealed unsafe class SparseTaps
{
    /// <summary>
    /// Vectors of output positions a tile accumulates: eight independent FMA chains, what a core that retires two 512-bit
    /// FMAs a cycle of four cycles' latency needs (Intel Ice Lake: fire2-fire9's 3 x 3 expands at 33% nonzero 1.10x-1.19x
    /// faster than with four, the kernel alone; on Zen 4, one FMA a cycle, four chains were enough and eight ran the same
    /// in the network).
    /// </summary>
    private const int TileVectors = 8;

    /// <summary>Input channels the entries are grouped by: a run passes over as many groups as keep a tile's rows in L1.</summary>
    private const int ChannelGroup = 4;

    /// <summary>
    /// Bytes of input rows a tile's pass reads at most (a 32 KiB L1). fire8's expand (3 copies, a tile over 2 rows of 32 and
    /// the kernel's 2 below): passes of 16 channels, 1.47x faster than the dense kernel, against 1.03x over all 64 at once.
    /// </summary>
    private const int L1RowBytes = 32 << 10;

    /// <summary>Floats between rows of the copy: the widest vector, so every tap's row is aligned on every path.</summary>
    public const int PitchMultiple = 16;

    /// <summary>The most positions a tile computes (AVX-512's), and so the most it reads past the last copy's end.</summary>
    private static readonly int MaximumTilePositions = TileVectors * SimdPaths.Width(SimdPath.Vector512);

    private readonly ConvSpec _spec;
    private readonly int _channelGroups;
    /// <summary>Entries of (output channel, group of input channels) b: [_starts[b], _starts[b + 1]), in order of K.</summary>
    private readonly int[] _starts;
    /// <summary>Each entry's input channel x taps + tap.</summary>
    private readonly int[] _keys;
    private readonly float[] _values;
    /// <summary>Bias padded with zeros to whole blocks of output channels.</summary>
    private readonly float[] _bias;
    /// <summary>The offsets of the last geometry planned for (<see cref="For"/>): a run of another geometry makes its own.</summary>
    private Offsets? _offsets;

    public SimdPath Path { get; }

    /// <summary>The weights multiplied: an output position costs this many MACs.</summary>
    public long NonzeroWeights => _keys.Length;

    private SparseTaps(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path, int nonzero)
    {
        _spec = spec;
        Path = path;
        int channels = spec.InputChannels, taps = spec.KernelHeight * spec.KernelWidth, k = spec.ReductionLength;
        _channelGroups = (channels + ChannelGroup - 1) / ChannelGroup;
        _starts = new int[spec.OutputChannels * _channelGroups + 1];
        _keys = new int[nonzero];
        _values = new float[nonzero];
        int entry = 0;
        for (int m = 0; m < spec.OutputChannels; m++)
            for (int group = 0; group < _channelGroups; group++)
            {
                _starts[m * _channelGroups + group] = entry;
                int end = Math.Min(channels, (group + 1) * ChannelGroup);
                for (int key = group * ChannelGroup * taps; key < end * taps; key++)
                {
                    float w = weights[m * k + key];
                    if (w == 0) continue;
                    _keys[entry] = key;
                    _values[entry++] = w;
                }
            }
        _starts[^1] = entry;
        _bias = new float[BlockedMaps.Blocks(spec.OutputChannels) * BlockedMaps.Block];
        bias.CopyTo(_bias);
    }

    /// <summary>
    /// The sparse product of <paramref name="spec"/>'s weights, or null where it does not apply: pruned weights
    /// (<see cref="SparseWeights.ArePruned"/>), a spatial kernel, one group, stride 1, exact (no SDSS, SPET, SFMA, residual
    /// or pointwise channels), finite weights (a skipped 0 x inf would have been NaN).
    /// </summary>
    /// <remarks>
    /// Not 1x1 kernels: SqueezeNet's conv10 (20% nonzero) ran 2x faster alone, but inside the network the dense kernel's
    /// lists leave out its input's zeros (about half), which the sparse rows cannot: 1.24 ms against 0.88 (ORT's profiler,
    /// 1 thread). Nor a fused fire module's 1x1 half, which is dense (<see cref="ConvSpec.PointwiseChannels"/>).
    /// </remarks>
    public static SparseTaps? TryCreate(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path)
    {
        if (spec.Group != 1 || spec.StrideHeight != 1 || spec.StrideWidth != 1 || spec.KernelHeight * spec.KernelWidth == 1
            || spec.Residual || spec.PointwiseChannels > 0 || spec.SdssDelta != 0 || spec.SpetPrefix != 0 || spec.SfmaDelta != 0
            || !SparseWeights.ArePruned(weights) || weights.ContainsAnyExceptInRange(float.MinValue, float.MaxValue)) return null;
        return new SparseTaps(spec, weights, bias, path, weights.Length - weights.Count(0f));
    }

    /// <summary>Floats between the rows of the copy for <paramref name="geometry"/>.</summary>
    public static long Pitch(in ConvGeometry geometry) => (geometry.PaddedWidth + PitchMultiple - 1) / PitchMultiple * PitchMultiple;

    /// <summary>Floats of one image's copies: one per kernel column, each C planes of padded height x pitch.</summary>
    public long ImageFloats(in ConvGeometry geometry) => (long)_spec.KernelWidth * _spec.InputChannels * geometry.PaddedHeight * Pitch(geometry);

    /// <summary>Positions a tile computes on this path.</summary>
    public int TilePositions => TileVectors * SimdPaths.Width(Path);

    /// <summary>Floats of the run's buffer: every image's copies, then a tile's reach past the last of them.</summary>
    public long SharedFloats(int batch, in ConvGeometry geometry) => batch * ImageFloats(geometry) + MaximumTilePositions;

    /// <summary>
    /// The offsets of every entry's row for <paramref name="geometry"/>, kept for the next run; null where the copies are too
    /// large for int offsets.
    /// </summary>
    public Offsets? For(in ConvGeometry geometry)
    {
        Offsets? offsets = Volatile.Read(ref _offsets);
        if (offsets is not null && offsets.Geometry == geometry) return offsets;
        if (ImageFloats(geometry) + MaximumTilePositions > int.MaxValue) return null;
        long pitch = Pitch(geometry), plane = geometry.PaddedHeight * pitch, copy = _spec.InputChannels * plane;
        // A tile's rows of one input channel: its positions and the kernel's reach below them, in every copy.
        long rowBytes = _spec.KernelWidth * (TilePositions + (long)(_spec.KernelHeight - 1) * _spec.DilationHeight * pitch) * sizeof(float);
        int groups = 1;
        while (groups < _channelGroups && 2 * groups * ChannelGroup * rowBytes <= L1RowBytes) groups *= 2;
        offsets = new Offsets(geometry, new int[_keys.Length], groups);
        int taps = _spec.KernelHeight * _spec.KernelWidth;
        for (int e = 0; e < _keys.Length; e++)
        {
            int c = _keys[e] / taps, tap = _keys[e] % taps;
            int ky = tap / _spec.KernelWidth, kx = tap % _spec.KernelWidth;
            offsets.Values[e] = (int)(kx * copy + c * plane + (long)ky * _spec.DilationHeight * pitch);
        }
        Volatile.Write(ref _offsets, offsets);
        return offsets;
    }

    /// <summary>The entries' row offsets for one geometry, and the groups of input channels a tile passes over at once.</summary>
    public sealed record Offsets(ConvGeometry Geometry, int[] Values, int GroupsPerPass);

    /// <summary>
    /// Positions a task takes (whole tiles) and the tasks an image is cut into, of <paramref name="positions"/>. Every task
    /// takes every output channel, so each tile's rows, once in L1, serve all of them.
    /// </summary>
    public (int Chunk, int Chunks) Tasks(int batch, int positions, int minimumTasks)
    {
        int tile = TilePositions, tiles = (positions + tile - 1) / tile;
        int wanted = Math.Min(tiles, (minimumTasks + batch - 1) / batch);
        int chunk = (tiles + wanted - 1) / wanted * tile;
        return (chunk, (positions + chunk - 1) / chunk);
    }

    /// <summary>
    /// Input channels [first, last) of image <paramref name="imageIndex"/> into its copies: copy s holds the padded maps
    /// shifted left by s x the dilation, rows <see cref="Pitch"/> apart, zeros elsewhere. From blocked maps
    /// <paramref name="first"/> is a whole block's first channel.
    /// </summary>
    public void Copy(in ConvGeometry geometry, float* input, float* shared, int imageIndex, int first, int last)
    {
        int channels = _spec.InputChannels, width = geometry.InputWidth, height = geometry.InputHeight;
        long pitch = Pitch(geometry), plane = geometry.PaddedHeight * pitch;
        bool blocked = _spec.InputLayout == MapLayout.Blocked;
        float* image = input + imageIndex * (blocked ? BlockedMaps.ImageFloats(channels, geometry.InputSize) : (nint)channels * geometry.InputSize);
        float* copies = shared + imageIndex * ImageFloats(geometry);
        for (int s = 0; s < _spec.KernelWidth; s++)
            for (int c = first; c < last; c++)
                new Span<float>(copies + (s * channels + c) * plane, (int)plane).Clear();
        for (int s = 0; s < _spec.KernelWidth; s++)
        {
            // Input column x lands at padded column x + PadLeft - shift; columns that would land left of the row's start feed
            // no output and are left out.
            int shift = s * _spec.DilationWidth;
            int firstColumn = Math.Max(0, shift - geometry.PadLeft);
            if (firstColumn >= width) continue;
            float* target = copies + (nint)s * channels * plane + (nint)geometry.PadTop * pitch + geometry.PadLeft - shift + firstColumn;
            for (int y = 0; y < height; y++)
            {
                float* rows = target + y * pitch;
                if (!blocked)
                {
                    for (int c = first; c < last; c++)
                        new ReadOnlySpan<float>(image + ((nint)c * height + y) * width + firstColumn, width - firstColumn).CopyTo(new Span<float>(rows + c * plane, width - firstColumn));
                    continue;
                }
                // A row of blocked positions (16 channels each) transposed into a row of each channel's plane, a block at a
                // time: one value at a time, the copy cost fire4's expand a tenth of its time.
                for (int c0 = first; c0 < last; c0 += BlockedMaps.Block)
                    ChannelMaps.Store(image + ((nint)(c0 / BlockedMaps.Block) * geometry.InputSize + (nint)y * width + firstColumn) * BlockedMaps.Block,
                        BlockedMaps.Block, width - firstColumn, Math.Min(BlockedMaps.Block, last - c0), rows + c0 * plane, (nint)plane, Path);
            }
        }
    }

    /// <summary>Compute task <paramref name="task"/>: one image's chunk of positions, every output channel, tile by tile.</summary>
    public void RunTask(in ConvWork work, float* output, float* shared, int task)
    {
        var run = new TaskWork(this, work, output, shared, task);
        SimdDispatch.Run(Path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(SparseTaps kernel, ConvWork work, float* output, float* shared, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, output, shared, task);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in ConvWork work, float* output, float* shared, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        ConvGeometry geometry = work.Geometry;
        int image = task / work.ColumnChunks;
        int first = task % work.ColumnChunks * work.ColumnChunk;
        int end = Math.Min(work.Columns, first + work.ColumnChunk);
        int channels = _spec.OutputChannels;
        // Sums for whole blocks: a blocked output's last block has lanes past the last channel, which stay zero.
        int rows = BlockedMaps.Blocks(channels) * BlockedMaps.Block;
        int tile = TileVectors * TLane.Count;
        float* sums = ScratchArena.Rent((nint)rows * tile);
        float* copies = shared + image * ImageFloats(geometry);
        // Planned for this geometry; made again only if a run of another geometry replaced it since.
        Offsets table = For(geometry)!;
        int pitch = work.ColumnPitch, step = table.GroupsPerPass;
        fixed (int* starts = _starts)
        fixed (int* offsets = table.Values)
        fixed (float* values = _values)
        {
            for (int q0 = first; q0 < end; q0 += tile)
            {
                new Span<float>(sums, rows * tile).Clear();
                for (int group = 0; group < _channelGroups; group += step)
                {
                    int last = Math.Min(_channelGroups, group + step);
                    for (int m = 0; m < channels; m++)
                    {
                        int e0 = starts[m * _channelGroups + group], e1 = starts[m * _channelGroups + last];
                        if (e1 > e0) Accumulate<TLane, TVec>(copies + q0, offsets + e0, values + e0, e1 - e0, sums + (nint)m * tile);
                    }
                }
                if (_spec.OutputLayout == MapLayout.Blocked) StoreBlocked<TLane, TVec>(geometry, output, image, rows, sums, tile, q0, pitch, end);
                else StorePlanar<TLane, TVec>(geometry, output, image, sums, tile, q0, pitch, end);
            }
        }
    }

    /// <summary>Sums[0, tile) += the entries' weights x their rows from <paramref name="x"/>, in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TLane, TVec>(float* x, int* offsets, float* values, int count, float* sums)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int width = TLane.Count;
        TVec s0 = TLane.Load(ref sums[0]), s1 = TLane.Load(ref sums[width]), s2 = TLane.Load(ref sums[2 * width]), s3 = TLane.Load(ref sums[3 * width]);
        TVec s4 = TLane.Load(ref sums[4 * width]), s5 = TLane.Load(ref sums[5 * width]), s6 = TLane.Load(ref sums[6 * width]), s7 = TLane.Load(ref sums[7 * width]);
        for (int e = 0; e < count; e++)
        {
            TVec w = TLane.Broadcast(values[e]);
            float* row = x + offsets[e];
            s0 = TLane.MultiplyAdd(TLane.Load(ref row[0]), w, s0);
            s1 = TLane.MultiplyAdd(TLane.Load(ref row[width]), w, s1);
            s2 = TLane.MultiplyAdd(TLane.Load(ref row[2 * width]), w, s2);
            s3 = TLane.MultiplyAdd(TLane.Load(ref row[3 * width]), w, s3);
            s4 = TLane.MultiplyAdd(TLane.Load(ref row[4 * width]), w, s4);
            s5 = TLane.MultiplyAdd(TLane.Load(ref row[5 * width]), w, s5);
            s6 = TLane.MultiplyAdd(TLane.Load(ref row[6 * width]), w, s6);
            s7 = TLane.MultiplyAdd(TLane.Load(ref row[7 * width]), w, s7);
        }
        TLane.Store(s0, ref sums[0]);
        TLane.Store(s1, ref sums[width]);
        TLane.Store(s2, ref sums[2 * width]);
        TLane.Store(s3, ref sums[3 * width]);
        TLane.Store(s4, ref sums[4 * width]);
        TLane.Store(s5, ref sums[5 * width]);
        TLane.Store(s6, ref sums[6 * width]);
        TLane.Store(s7, ref sums[7 * width]);
    }

    /// <summary>A tile's outputs into planar maps: each row's positions before its end, bias and activation applied.</summary>
    private void StorePlanar<TLane, TVec>(in ConvGeometry geometry, float* output, int image, float* sums, int tile, int q0, int pitch, int end)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int outputWidth = geometry.OutputWidth;
        nint plane = geometry.OutputSize;
        Activation activation = _spec.Activation;
        end = Math.Min(end, q0 + tile);
        for (int q = q0; q < end;)
        {
            // One row's stretch of the tile: positions [q, stop) are outputs, [stop, next) columns past the row's end.
            int y = q / pitch, x = q - y * pitch;
            int next = Math.Min(end, (y + 1) * pitch), stop = Math.Min(next, y * pitch + outputWidth);
            int length = stop - q;
            for (int m = 0; m < _spec.OutputChannels && length > 0; m++)
            {
                float bias = _bias[m];
                float* target = output + ((nint)image * _spec.OutputChannels + m) * plane + (nint)y * outputWidth + x;
                float* rowSums = sums + (nint)m * tile + (q - q0);
                int v = 0;
                for (; v + TLane.Count <= length; v += TLane.Count)
                    TLane.Store(activation.Apply<TLane, TVec>(TLane.Add(TLane.Load(ref rowSums[v]), TLane.Broadcast(bias))), ref target[v]);
                if (v < length && typeof(TVec) == typeof(Vector512<float>) && Avx512F.IsSupported)
                {
                    // A row shorter than a vector (13 and 15 wide in SqueezeNet's last layers): one masked store.
                    Vector512<float> values = activation.Apply<Lane512, Vector512<float>>(Vector512.Load(rowSums + v) + Vector512.Create(bias));
                    Avx512F.MaskStore(target + v, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(length - v)).AsSingle(), values);
                    continue;
                }
                for (; v < length; v++) target[v] = activation.Apply(rowSums[v] + bias);
            }
            q = next;
        }
    }

    /// <summary>
    /// A tile's outputs into blocked maps: each 16 channels x 16 positions of the sums transposed in registers
    /// (<see cref="ChannelMaps"/>), then a position's block at a time, bias and activation applied, lanes past the last
    /// channel zero. One value at a time, the stores cost fire4's expand a tenth of its time, and an integer division
    /// per stored position as much again.
    /// </summary>
    private void StoreBlocked<TLane, TVec>(in ConvGeometry geometry, float* output, int image, int rows, float* sums,
        int tile, int q0, int pitch, int end)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int outputWidth = geometry.OutputWidth, block = BlockedMaps.Block;
        nint map = geometry.OutputSize;
        float* imageOutput = output + (nint)image * BlockedMaps.ImageFloats(_spec.OutputChannels, map);
        Activation activation = _spec.Activation;
        end = Math.Min(end, q0 + tile);
        // Each of the tile's positions' output index, or -1 past its row's end: found once for every block.
        int* targets = stackalloc int[tile];
        for (int q = q0, y = q0 / pitch, x = q0 - y * pitch; q < end; q++)
        {
            targets[q - q0] = x < outputWidth ? y * outputWidth + x : -1;
            if (++x == pitch) (x, y) = (0, y + 1);
        }
        float* columns = stackalloc float[block * block];
        for (int channel = 0; channel < rows; channel += block)
        {
            int real = Math.Min(block, _spec.OutputChannels - channel);
            float* blockOutput = imageOutput + (nint)(channel / block) * map * block;
            for (int q = q0; q < end; q += block)
            {
                int count = Math.Min(block, end - q);
                ChannelMaps.Store(sums + (nint)channel * tile + (q - q0), tile, block, count, columns, block, Path);
                for (int i = 0; i < count; i++)
                {
                    if (targets[q - q0 + i] < 0) continue;
                    float* target = blockOutput + (nint)targets[q - q0 + i] * block, values = columns + i * block;
                    int lane = 0;
                    if (real == block)
                        for (; lane + TLane.Count <= block; lane += TLane.Count)
                            TLane.Store(activation.Apply<TLane, TVec>(TLane.Add(TLane.Load(ref values[lane]), TLane.Load(ref _bias[channel + lane]))), ref target[lane]);
                    for (; lane < block; lane++) target[lane] = lane < real ? activation.Apply(values[lane] + _bias[channel + lane]) : 0f;
                }
            }
        }
    }
}
