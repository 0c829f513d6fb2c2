using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A 1 x 1 convolution over blocked maps that multiplies each position's nonzero inputs only (exact zero inputs, one
/// position at a time). Per position, one compare a block finds its 16 channels' zeros and AVX-512 compress writes the
/// rest, values and weight rows, in the order of K; then each listed channel adds its value times its weight row (the
/// output channels, the vector side) to four vectors of outputs at most. A position-tile's list (<see cref="Gemm.LiveTaps"/>)
/// keeps a channel wherever one of its six positions is nonzero; SqueezeNet's squeezes, whose inputs are 23%-69% zeros,
/// keep most of their channels that way, and conv_final (87% zeros) a quarter where a position alone keeps an eighth.
/// Where a task's sample keeps too much for the lists to pay (<see cref="MaxKept"/>) its position tiles run it.
/// The sums are the tiles' bit for bit: one chain a vector in the order of K, the bias after (a zero input adds nothing).
/// </summary>
internal sealed unsafe class PointwiseLists
{
    private const int Block = BlockedMaps.Block;

    /// <summary>Output vectors one pass over a position's list computes: four accumulators, four chains of FMAs.</summary>
    private const int GroupVectors = 4;

    /// <summary>
    /// Positions whose lists are built before any of their products where the outputs are more than one group of vectors:
    /// each group's weights (conv_final: 16 groups, 128 KB each) then serve all of them from L2, and leave memory once.
    /// </summary>
    private const int ListPositions = 256;

    /// <summary>Runs of positions in a task's sample, which chooses between the lists and position tiles (<see cref="Kept"/>).</summary>
    private const int SampleRuns = 3;

    /// <summary>Positions of one run of the sample.</summary>
    private const int SampleRun = 16;

    private readonly ConvSpec _spec;

    /// <summary>
    /// Groups of <see cref="_groupWidth"/> output channels, each C rows (input channel k's weights to the group's outputs,
    /// zero past the last): a group's weights together, a list's row offsets (k x group width) the same in every group.
    /// 64-byte aligned, so that no row's vector straddles two cache lines (unaligned, fire7's squeeze ran 1.7x slower).
    /// </summary>
    private readonly AlignedFloats _weights;

    /// <summary>Output channels of one group: four blocks, or fewer where that is all (SqueezeNet's squeezes: 32 to 64).</summary>
    private readonly int _groupWidth;

    /// <summary>The bias, zero past the last output channel; null without one (the tiles add none, so a -0 stays -0).</summary>
    private readonly AlignedFloats? _bias;

    /// <summary>Output channels rounded up to whole groups.</summary>
    private readonly int _pitch;

    private readonly int _inputBlocks;

    /// <summary>The last input block's lanes that hold a channel (all 16 where the channels fill it): the rest are padding.</summary>
    private readonly Vector512<float> _lastBlockLanes;

    /// <summary>
    /// Whether <paramref name="spec"/> may run this way: 1 x 1, stride 1, one group, blocked input, exact, skipping zero
    /// inputs, no residual or pointwise channels, AVX-512 (compress), more than one block of output channels (one pays
    /// only below a quarter of its inputs kept, <see cref="MaxKept"/>, which SqueezeNet's 16-output squeezes, keeping
    /// 57%-86%, never reach: the sample would only cost them). Padding is read as an interior run's (<see cref="ConvWork.Interior"/>).
    /// </summary>
    public static bool Applies(ConvSpec spec, SimdPath path) =>
        path == SimdPath.Vector512 && Avx512F.IsSupported && spec.KernelHeight == 1 && spec.KernelWidth == 1 && spec.OutputChannels > Block
        && spec.StrideHeight == 1 && spec.StrideWidth == 1 && spec.Group == 1 && spec.InputLayout == MapLayout.Blocked
        && spec.SkipZeroInputs && !spec.Residual && spec.PointwiseChannels == 0
        && spec.SdssDelta == 0 && spec.SpetPrefix == 0 && spec.SfmaDelta == 0 && spec.SfmaPairCount == 0;

    /// <param name="weights">M x C, row-major.</param>
    /// <param name="bias">M values, or empty for none.</param>
    public PointwiseLists(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        _spec = spec;
        int m = spec.OutputChannels, c = spec.InputChannels;
        _groupWidth = Math.Min(GroupVectors, BlockedMaps.Blocks(m)) * Block;
        _pitch = (m + _groupWidth - 1) / _groupWidth * _groupWidth;
        _inputBlocks = BlockedMaps.Blocks(c);
        _lastBlockLanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(c - (_inputBlocks - 1) * Block)).AsSingle();
        _weights = new AlignedFloats(checked(c * _pitch));
        Span<float> rows = _weights.Span;
        for (int output = 0; output < m; output++)
            for (int input = 0; input < c; input++)
                rows[(output / _groupWidth * c + input) * _groupWidth + output % _groupWidth] = weights[output * c + input];
        if (!bias.IsEmpty)
        {
            _bias = new AlignedFloats(_pitch);
            bias.CopyTo(_bias.Span);
        }
    }

    /// <summary>
    /// The most of a position's inputs a sample may keep for the lists to pay, for <paramref name="vectors"/> output
    /// vectors. A position's list costs about 10 FMAs' time a block of 16 channels (Zen 4: compare, two compresses and
    /// stores, a count), and its products run at about 1 / 1.5 of a position tile's speed (a broadcast, an offset and a
    /// row of weights read per channel, no reuse across positions). Measured on SqueezeNet's squeezes (real activations of
    /// one image, the two kernels alternating in one process, Zen 4, 1 thread): fire7 (3 vectors, 31% kept) 1.31x-1.46x
    /// faster than position tiles, fire9 (4, 32%) 1.49x-1.57x, fire8 (4, 45%) 1.22x-1.28x, fire6 (3, 53%) 1.00x, fire5 and
    /// fire4 (2, 60%-62%) 0.86x-0.87x, fire2 and fire3 (1, 62%-77%) 0.62x-0.65x.
    /// </summary>
    internal static double MaxKept(int vectors) => Math.Max(0, 1 - 10.0 / (Block * vectors)) / 1.5;

    /// <summary>
    /// Task <paramref name="task"/> of a <see cref="ConvAlgorithm.PositionTiles"/> run that reads the blocked input in place
    /// (no padding, or an interior run) and has no ranges of channel panels (<see cref="ConvWork.PointwiseLists"/>: each
    /// range would build every position's lists again), over its positions' lists where its sample says they pay; false
    /// (nothing done) where they do not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRunTask(in ConvWork work, float* input, float* output, int task, KernelCounters counters, PositionTiles tiles)
    {
        // ConvKernel.PlanPositionTiles sets PointwiseLists only on such plans.
        Debug.Assert(work.PointwiseLists && work.RowChunks == 1 && (work.Interior || (!work.Geometry.HasPadding && work.SharedFloats == 0)));
        (int image, int first, int count, _, _) = work.Task(task);
        int vectors = BlockedMaps.Blocks(_spec.OutputChannels);
        nint map = work.Geometry.InputSize;
        float* x = input + image * BlockedMaps.ImageFloats(_spec.InputChannels, map);
        if (Kept(x, map, first, count) > MaxKept(vectors)) return false;

        int listFloats = _inputBlocks * Block;
        // One group uses each list as soon as it is built, while it is in L1; more share the lists of many positions.
        int batch = vectors <= GroupVectors ? 1 : Math.Min(ListPositions, count);
        float* values = ScratchArena.Rent((nint)count * _pitch + 2 * batch * listFloats + batch);
        float* listValues = values + (nint)count * _pitch;
        int* listRows = (int*)(listValues + batch * listFloats);
        int* lengths = listRows + batch * listFloats;
        long kept = 0;
        int passBlocks = PassBlocks(_groupWidth / Block);
        for (int b0 = 0; b0 < _inputBlocks; b0 += passBlocks)
        {
            int b1 = Math.Min(_inputBlocks, b0 + passBlocks);
            // Partial sums between passes; the bias and the activation after the last.
            bool last = b1 == _inputBlocks;
            if (batch == 1) PrefetchRows(b0, b1, 0);
            for (int s = 0; s < count; s += batch)
            {
                int positions = Math.Min(batch, count - s);
                for (int i = 0; i < positions; i++)
                {
                    lengths[i] = List(x + (nint)(first + s + i) * Block, map * Block, b0, b1, listValues + i * listFloats, listRows + i * listFloats);
                    kept += lengths[i];
                }
                for (int c0 = 0; c0 < _pitch; c0 += _groupWidth)
                {
                    float* groupWeights = _weights.Pointer + (nint)c0 * _spec.InputChannels, bias = _bias is null ? null : _bias.Pointer + c0;
                    if (batch > 1) PrefetchRows(b0, b1, c0);
                    float* into = values + (nint)s * _pitch + c0;
                    int group = Math.Min(_groupWidth, BlockedMaps.Blocks(_spec.OutputChannels - c0) * Block) / Block;
                    for (int i = 0; i < positions; i++)
                    {
                        float* sums = into + (nint)i * _pitch;
                        Products(group, listValues + i * listFloats, listRows + i * listFloats, lengths[i], groupWeights, b0 == 0 ? null : sums,
                            bias, last, sums, _spec.Activation);
                    }
                }
            }
        }
        tiles.Store(work, values, _pitch, image, first, count, 0, _spec.OutputChannels, output);
        long outputs = (long)count * _spec.OutputChannels;
        counters.Add(kept * _spec.OutputChannels, outputs * _spec.InputChannels, outputs);
        // One comparison an input, its list built.
        counters.AddOverhead((long)count * _spec.InputChannels);
        return true;
    }

    /// <summary>
    /// The weight rows of input blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of the group from output
    /// channel <paramref name="c0"/> into L2, in order, before the lists read them in no order the hardware prefetchers
    /// follow (rows not in cache were each a miss waited for). With the caches flushed before each run: fire9's squeeze
    /// 0.89x -> 1.14x of position tiles' speed, conv_final 1.02x -> 1.14x; warm, 1.28x -> 1.45x-1.63x and 1.19x -> 1.23x.
    /// </summary>
    // A loop of up to 32 K prefetches a run (conv_final): compiled fully optimised from the first call, as the hot loops are.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrefetchRows(int firstBlock, int endBlock, int c0)
    {
        float* rows = _weights.Pointer + (nint)c0 * _spec.InputChannels;
        nint end = (nint)endBlock * Block * _groupWidth;
        for (nint at = (nint)firstBlock * Block * _groupWidth; at < end; at += Block) Sse.Prefetch1(rows + at);
    }

    /// <summary>
    /// Input blocks a pass over the lists takes: as many as keep their weight rows for <paramref name="vectors"/> output
    /// vectors within <see cref="PassBytes"/>.
    /// </summary>
    private int PassBlocks(int vectors) => Math.Max(1, PassBytes / (vectors * Block * sizeof(float) * Block));

    /// <summary>
    /// The most bytes of weight rows a pass over the lists reads: L1's 32 KB (Zen 4; 48 KB on Ice Lake). Each listed input
    /// reads a row of 64 to 256 bytes anywhere in the pass's rows, so they must stay in L1: on fire8's squeeze (384 x 64
    /// weights, 96 KB) passes of 32 KB ran 1.27x faster than one pass, of 64 KB 1.17x, of 16 KB 1.0x (short lists pay
    /// their setup more often).
    /// </summary>
    private const int PassBytes = 32 * 1024;

    /// <summary>
    /// The share of nonzero inputs at <see cref="SampleRuns"/> runs of <see cref="SampleRun"/> positions, at the start, the
    /// middle and the end of the task's: whole cache lines in order, which the prefetchers follow, rather than as many
    /// positions spread one by one, each line a miss where the maps are larger than L2 (fire4's input: 1.5 MB).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Kept(float* x, nint map, int first, int count)
    {
        int run = Math.Min(SampleRun, count);
        long live = 0;
        for (int r = 0; r < SampleRuns; r++)
        {
            float* start = x + (first + (long)r * (count - run) / (SampleRuns - 1)) * Block;
            for (int b = 0; b < _inputBlocks; b++)
                for (int i = 0; i < run; i++)
                    live += BitOperations.PopCount(LiveLanes(Vector512.Load(start + b * map * Block + i * Block), b));
        }
        return (double)live / ((long)SampleRuns * run * _spec.InputChannels);
    }

    /// <summary>The lanes of input block <paramref name="block"/> that hold a nonzero input (a NaN is one), as bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint LiveLanes(Vector512<float> inputs, int block)
    {
        Vector512<float> live = ~Vector512.Equals(inputs, Vector512<float>.Zero);
        return (uint)(block == _inputBlocks - 1 ? live & _lastBlockLanes : live).ExtractMostSignificantBits();
    }

    /// <summary>
    /// One position's list over input blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>): its nonzero
    /// inputs' values and the offsets of their weight rows in a group (channel x group width), in the order of K; returns
    /// their count. Lanes past the last input channel (the last block's padding) are left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int List(float* position, nint blockStride, int firstBlock, int endBlock, float* values, int* rows)
    {
        int n = 0;
        Vector512<int> step = Vector512.Create(Block * _groupWidth);
        Vector512<int> lanes = Vector512<int>.Indices * Vector512.Create(_groupWidth) + Vector512.Create(firstBlock) * step;
        for (int b = firstBlock; b < endBlock; b++, lanes += step)
        {
            Vector512<float> inputs = Vector512.Load(position + b * blockStride);
            Vector512<float> live = ~Vector512.Equals(inputs, Vector512<float>.Zero);
            if (b == _inputBlocks - 1) live &= _lastBlockLanes;
            Avx512F.Compress(Vector512<float>.Zero, live, inputs).Store(values + n);
            Avx512F.Compress(Vector512<int>.Zero, live.AsInt32(), lanes).Store(rows + n);
            n += BitOperations.PopCount(live.ExtractMostSignificantBits());
        }
        return n;
    }

    /// <summary>
    /// <paramref name="group"/> vectors of a position's outputs: <paramref name="start"/> (null: zero; a pass's partial sums)
    /// plus its listed inputs times their weight rows, one FMA chain a vector in the order of K, as the position tiles sum;
    /// on the <paramref name="last"/> pass the bias (where there is one) added and the activation applied, as their epilogue.
    /// A zero input's product adds nothing to such a sum, so the outputs are the tiles' bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Products(int group, float* values, int* rows, int length, float* weights, float* start, float* bias, bool last, float* into, Activation activation)
    {
        switch (group)
        {
            case 1: Sums<OneVectorWidth>(values, rows, length, weights, start, bias, last, into, activation); break;
            case 2: Sums<TwoVectorWidth>(values, rows, length, weights, start, bias, last, into, activation); break;
            case 3: Sums<ThreeVectorWidth>(values, rows, length, weights, start, bias, last, into, activation); break;
            default: Sums<FourVectorWidth>(values, rows, length, weights, start, bias, last, into, activation); break;
        }
    }

    /// <summary>
    /// <typeparamref name="TWidth"/>'s vectors of one position's sums, a constant of the instantiation: the JIT leaves out
    /// the missing vectors' loads and FMAs. Its own method, with no calls inside: a call clobbers every vector register and
    /// the JIT would keep the sums in memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Sums<TWidth>(float* values, int* rows, int length, float* weights, float* start, float* bias, bool last, float* into, Activation activation)
        where TWidth : struct, ITileWidth
    {
        int vectors = TWidth.Vectors;
        Vector512<float> a0 = Start(start, 0);
        Vector512<float> a1 = vectors > 1 ? Start(start, 1) : default;
        Vector512<float> a2 = vectors > 2 ? Start(start, 2) : default;
        Vector512<float> a3 = vectors > 3 ? Start(start, 3) : default;
        for (int i = 0; i < length; i++)
        {
            Vector512<float> x = Vector512.Create(values[i]);
            float* w = weights + rows[i];
            a0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(w), a0);
            if (vectors > 1) a1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(w + Block), a1);
            if (vectors > 2) a2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(w + 2 * Block), a2);
            if (vectors > 3) a3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(w + 3 * Block), a3);
        }
        Finish(a0, bias, last, 0, into, activation);
        if (vectors > 1) Finish(a1, bias, last, 1, into, activation);
        if (vectors > 2) Finish(a2, bias, last, 2, into, activation);
        if (vectors > 3) Finish(a3, bias, last, 3, into, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Start(float* start, int vector) => start == null ? Vector512<float>.Zero : Vector512.Load(start + vector * Block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> sums, float* bias, bool last, int vector, float* into, Activation activation)
    {
        if (last)
            sums = activation.Apply<Lane512, Vector512<float>>(bias == null ? sums : sums + Vector512.Load(bias + vector * Block));
        sums.Store(into + vector * Block);
    }
}
