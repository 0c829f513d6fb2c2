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
    /// <summary>Vectors of output positions a tile accumulates (four independent FMA chains).</summary>
    private const int TileVectors = 4;

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
    private const int MaximumTilePositions = TileVectors * 16;

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
    public int TilePositions => TileVectors * Path switch
    {
        SimdPath.Vector512 => 16,
        SimdPath.Vector256 => 8,
        SimdPath.Vector128 => 4,
        _ => 1,
    };

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
        if (blocked && Path == SimdPath.Vector512 && Avx512F.IsSupported)
        {
            CopyBlocks(geometry, image, copies, first, last);
            return;
        }
        for (int s = 0; s < _spec.KernelWidth; s++)
        {
            // Input column x lands at padded column x + PadLeft - shift; columns that would land left of the row's start feed
            // no output and are left out.
            int shift = s * _spec.DilationWidth;
            int firstColumn = Math.Max(0, shift - geometry.PadLeft);
            for (int c = first; c < last; c++)
                for (int y = 0; y < height; y++)
                {
                    float* row = copies + (s * channels + c) * plane + (y + geometry.PadTop) * pitch + geometry.PadLeft - shift;
                    if (!blocked)
                    {
                        float* source = image + ((nint)c * height + y) * width;
                        new ReadOnlySpan<float>(source + firstColumn, width - firstColumn).CopyTo(new Span<float>(row + firstColumn, width - firstColumn));
                        continue;
                    }
                    float* blockRow = image + ((nint)(c / BlockedMaps.Block) * geometry.InputSize + (nint)y * width) * BlockedMaps.Block + c % BlockedMaps.Block;
                    for (int x = firstColumn; x < width; x++) row[x] = blockRow[x * BlockedMaps.Block];
                }
        }
    }

    /// <summary>
    /// Blocked maps into the copies, 16 positions x 16 channels at a time, transposed in registers: each channel's 16
    /// positions one (masked) store a copy, where a strided read per value cost fire4's expand more than a tenth of its time.
    /// </summary>
    private void CopyBlocks(in ConvGeometry geometry, float* image, float* copies, int first, int last)
    {
        int channels = _spec.InputChannels, width = geometry.InputWidth, block = BlockedMaps.Block;
        long pitch = Pitch(geometry), plane = geometry.PaddedHeight * pitch;
        float* positions = stackalloc float[block * block];
        float* columns = stackalloc float[block * block];
        for (int c0 = first; c0 < last; c0 += block)
        {
            int real = Math.Min(block, channels - c0);
            float* source = image + (nint)(c0 / block) * geometry.InputSize * block;
            for (int y = 0; y < geometry.InputHeight; y++)
                for (int x0 = 0; x0 < width; x0 += block)
                {
                    int count = Math.Min(block, width - x0);
                    // A row's last positions: the rest of the 16 read as zeros.
                    float* read = source + ((nint)y * width + x0) * block;
                    if (count < block)
                    {
                        new Span<float>(positions, block * block).Clear();
                        new ReadOnlySpan<float>(read, count * block).CopyTo(new Span<float>(positions, count * block));
                        read = positions;
                    }
                    Transpose16(read, block, columns);
                    for (int s = 0; s < _spec.KernelWidth; s++)
                    {
                        // Lanes of real positions that land at or right of the row's start (a shift past the left pad drops some).
                        int column = geometry.PadLeft - s * _spec.DilationWidth + x0;
                        Vector512<int> lanes = Vector512<int>.Indices;
                        Vector512<float> keep = (Vector512.LessThan(lanes, Vector512.Create(count))
                            & Vector512.GreaterThanOrEqual(lanes, Vector512.Create(-column))).AsSingle();
                        float* row = copies + (s * channels + c0) * plane + (y + geometry.PadTop) * pitch + column;
                        for (int c = 0; c < real; c++) Avx512F.MaskStore(row + c * plane, keep, Vector512.Load(columns + c * block));
                    }
                }
        }
    }

    /// <summary>Compute task <paramref name="task"/>: one image's chunk of positions, every output channel, tile by tile.</summary>
    public void RunTask(in ConvWork work, float* output, float* shared, int task)
    {
        switch (Path)
        {
            case SimdPath.Vector512:
                RunTask<Lane512, Vector512<float>>(work, output, shared, task);
                break;
            case SimdPath.Vector256:
                RunTask<Lane256, Vector256<float>>(work, output, shared, task);
                break;
            case SimdPath.Vector128:
                RunTask<Lane128, Vector128<float>>(work, output, shared, task);
                break;
            default:
                RunTask<LaneScalar, float>(work, output, shared, task);
                break;
        }
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
        for (int e = 0; e < count; e++)
        {
            TVec w = TLane.Broadcast(values[e]);
            float* row = x + offsets[e];
            s0 = TLane.MultiplyAdd(TLane.Load(ref row[0]), w, s0);
            s1 = TLane.MultiplyAdd(TLane.Load(ref row[width]), w, s1);
            s2 = TLane.MultiplyAdd(TLane.Load(ref row[2 * width]), w, s2);
            s3 = TLane.MultiplyAdd(TLane.Load(ref row[3 * width]), w, s3);
        }
        TLane.Store(s0, ref sums[0]);
        TLane.Store(s1, ref sums[width]);
        TLane.Store(s2, ref sums[2 * width]);
        TLane.Store(s3, ref sums[3 * width]);
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
    /// A tile's outputs into blocked maps: bias and activation applied, lanes past the last channel zero. On AVX-512 each 16
    /// channels x 16 positions of the sums are transposed in registers (<see cref="Transpose16"/>), so a position's block is one store.
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
        bool transpose = typeof(TVec) == typeof(Vector512<float>) && Avx512F.IsSupported;
        float* columns = stackalloc float[transpose ? block * block : 0];
        for (int channel = 0; channel < rows; channel += block)
        {
            int real = Math.Min(block, _spec.OutputChannels - channel);
            float* blockOutput = imageOutput + (nint)(channel / block) * map * block;
            float* blockSums = sums + (nint)channel * tile;
            if (!transpose)
            {
                for (int q = q0; q < end; q++)
                {
                    if (targets[q - q0] < 0) continue;
                    float* target = blockOutput + (nint)targets[q - q0] * block;
                    for (int lane = 0; lane < block; lane++)
                        target[lane] = lane < real ? activation.Apply(blockSums[lane * tile + q - q0] + _bias[channel + lane]) : 0f;
                }
                continue;
            }
            Vector512<float> bias = Vector512.Create(new ReadOnlySpan<float>(_bias, channel, block));
            Vector512<float> live = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(real)).AsSingle();
            for (int q = q0; q < end; q += block)
            {
                Transpose16(blockSums + (q - q0), tile, columns);
                for (int i = 0; i < block && q + i < end; i++)
                {
                    int target = targets[q - q0 + i];
                    if (target >= 0) (activation.Apply<Lane512, Vector512<float>>(Vector512.Load(columns + i * block) + bias) & live).Store(blockOutput + (nint)target * block);
                }
            }
        }
    }

    private static readonly Vector512<int> Low8 = SwapIndices(8).Low, High8 = SwapIndices(8).High, Low4 = SwapIndices(4).Low, High4 = SwapIndices(4).High;
    private static readonly Vector512<int> Low2 = SwapIndices(2).Low, High2 = SwapIndices(2).High, Low1 = SwapIndices(1).Low, High1 = SwapIndices(1).High;

    /// <summary>The two-source permutes' indices that swap rows' off-diagonal blocks of <paramref name="scale"/> lanes.</summary>
    private static (Vector512<int> Low, Vector512<int> High) SwapIndices(int scale)
    {
        Vector512<int> lane = Vector512<int>.Indices;
        Vector512<int> upper = Vector512.Equals(lane & Vector512.Create(scale), Vector512.Create(scale));
        return (Vector512.ConditionalSelect(upper, lane + Vector512.Create(16 - scale), lane),
            Vector512.ConditionalSelect(upper, lane + Vector512.Create(16), lane + Vector512.Create(scale)));
    }

    /// <summary>
    /// Transposes 16 x 16 floats in registers, rows <paramref name="rows"/> apart from <paramref name="source"/> into 16
    /// consecutive vectors at <paramref name="target"/>: at each scale s (8, 4, 2, 1) rows i and i + s swap their
    /// off-diagonal s x s blocks, one two-source permute each (64 in all), in locals the JIT keeps in registers.
    /// </summary>
    private static void Transpose16(float* source, nint rows, float* target)
    {
        // Row i keeps its lanes without bit s and takes row i + s's below them (Low); row i + s the other way round (High).
        Vector512<float> r0 = Vector512.Load(source + 0 * rows), r1 = Vector512.Load(source + 1 * rows), r2 = Vector512.Load(source + 2 * rows), r3 = Vector512.Load(source + 3 * rows),
            r4 = Vector512.Load(source + 4 * rows), r5 = Vector512.Load(source + 5 * rows), r6 = Vector512.Load(source + 6 * rows), r7 = Vector512.Load(source + 7 * rows),
            r8 = Vector512.Load(source + 8 * rows), r9 = Vector512.Load(source + 9 * rows), r10 = Vector512.Load(source + 10 * rows), r11 = Vector512.Load(source + 11 * rows),
            r12 = Vector512.Load(source + 12 * rows), r13 = Vector512.Load(source + 13 * rows), r14 = Vector512.Load(source + 14 * rows), r15 = Vector512.Load(source + 15 * rows);
        Vector512<float> t;
        t = Avx512F.PermuteVar16x32x2(r0, Low8, r8); r8 = Avx512F.PermuteVar16x32x2(r0, High8, r8); r0 = t;
        t = Avx512F.PermuteVar16x32x2(r1, Low8, r9); r9 = Avx512F.PermuteVar16x32x2(r1, High8, r9); r1 = t;
        t = Avx512F.PermuteVar16x32x2(r2, Low8, r10); r10 = Avx512F.PermuteVar16x32x2(r2, High8, r10); r2 = t;
        t = Avx512F.PermuteVar16x32x2(r3, Low8, r11); r11 = Avx512F.PermuteVar16x32x2(r3, High8, r11); r3 = t;
        t = Avx512F.PermuteVar16x32x2(r4, Low8, r12); r12 = Avx512F.PermuteVar16x32x2(r4, High8, r12); r4 = t;
        t = Avx512F.PermuteVar16x32x2(r5, Low8, r13); r13 = Avx512F.PermuteVar16x32x2(r5, High8, r13); r5 = t;
        t = Avx512F.PermuteVar16x32x2(r6, Low8, r14); r14 = Avx512F.PermuteVar16x32x2(r6, High8, r14); r6 = t;
        t = Avx512F.PermuteVar16x32x2(r7, Low8, r15); r15 = Avx512F.PermuteVar16x32x2(r7, High8, r15); r7 = t;
        t = Avx512F.PermuteVar16x32x2(r0, Low4, r4); r4 = Avx512F.PermuteVar16x32x2(r0, High4, r4); r0 = t;
        t = Avx512F.PermuteVar16x32x2(r1, Low4, r5); r5 = Avx512F.PermuteVar16x32x2(r1, High4, r5); r1 = t;
        t = Avx512F.PermuteVar16x32x2(r2, Low4, r6); r6 = Avx512F.PermuteVar16x32x2(r2, High4, r6); r2 = t;
        t = Avx512F.PermuteVar16x32x2(r3, Low4, r7); r7 = Avx512F.PermuteVar16x32x2(r3, High4, r7); r3 = t;
        t = Avx512F.PermuteVar16x32x2(r8, Low4, r12); r12 = Avx512F.PermuteVar16x32x2(r8, High4, r12); r8 = t;
        t = Avx512F.PermuteVar16x32x2(r9, Low4, r13); r13 = Avx512F.PermuteVar16x32x2(r9, High4, r13); r9 = t;
        t = Avx512F.PermuteVar16x32x2(r10, Low4, r14); r14 = Avx512F.PermuteVar16x32x2(r10, High4, r14); r10 = t;
        t = Avx512F.PermuteVar16x32x2(r11, Low4, r15); r15 = Avx512F.PermuteVar16x32x2(r11, High4, r15); r11 = t;
        t = Avx512F.PermuteVar16x32x2(r0, Low2, r2); r2 = Avx512F.PermuteVar16x32x2(r0, High2, r2); r0 = t;
        t = Avx512F.PermuteVar16x32x2(r1, Low2, r3); r3 = Avx512F.PermuteVar16x32x2(r1, High2, r3); r1 = t;
        t = Avx512F.PermuteVar16x32x2(r4, Low2, r6); r6 = Avx512F.PermuteVar16x32x2(r4, High2, r6); r4 = t;
        t = Avx512F.PermuteVar16x32x2(r5, Low2, r7); r7 = Avx512F.PermuteVar16x32x2(r5, High2, r7); r5 = t;
        t = Avx512F.PermuteVar16x32x2(r8, Low2, r10); r10 = Avx512F.PermuteVar16x32x2(r8, High2, r10); r8 = t;
        t = Avx512F.PermuteVar16x32x2(r9, Low2, r11); r11 = Avx512F.PermuteVar16x32x2(r9, High2, r11); r9 = t;
        t = Avx512F.PermuteVar16x32x2(r12, Low2, r14); r14 = Avx512F.PermuteVar16x32x2(r12, High2, r14); r12 = t;
        t = Avx512F.PermuteVar16x32x2(r13, Low2, r15); r15 = Avx512F.PermuteVar16x32x2(r13, High2, r15); r13 = t;
        t = Avx512F.PermuteVar16x32x2(r0, Low1, r1); r1 = Avx512F.PermuteVar16x32x2(r0, High1, r1); r0 = t;
        t = Avx512F.PermuteVar16x32x2(r2, Low1, r3); r3 = Avx512F.PermuteVar16x32x2(r2, High1, r3); r2 = t;
        t = Avx512F.PermuteVar16x32x2(r4, Low1, r5); r5 = Avx512F.PermuteVar16x32x2(r4, High1, r5); r4 = t;
        t = Avx512F.PermuteVar16x32x2(r6, Low1, r7); r7 = Avx512F.PermuteVar16x32x2(r6, High1, r7); r6 = t;
        t = Avx512F.PermuteVar16x32x2(r8, Low1, r9); r9 = Avx512F.PermuteVar16x32x2(r8, High1, r9); r8 = t;
        t = Avx512F.PermuteVar16x32x2(r10, Low1, r11); r11 = Avx512F.PermuteVar16x32x2(r10, High1, r11); r10 = t;
        t = Avx512F.PermuteVar16x32x2(r12, Low1, r13); r13 = Avx512F.PermuteVar16x32x2(r12, High1, r13); r12 = t;
        t = Avx512F.PermuteVar16x32x2(r14, Low1, r15); r15 = Avx512F.PermuteVar16x32x2(r14, High1, r15); r14 = t;
        r0.Store(target + 0);
        r1.Store(target + 16);
        r2.Store(target + 32);
        r3.Store(target + 48);
        r4.Store(target + 64);
        r5.Store(target + 80);
        r6.Store(target + 96);
        r7.Store(target + 112);
        r8.Store(target + 128);
        r9.Store(target + 144);
        r10.Store(target + 160);
        r11.Store(target + 176);
        r12.Store(target + 192);
        r13.Store(target + 208);
        r14.Store(target + 224);
        r15.Store(target + 240);
    }
}
