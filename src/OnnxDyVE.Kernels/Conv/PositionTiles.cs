using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A convolution computed at any list of output positions: tiles of six positions (rows,
/// read in place from the padded input by <see cref="PositionBroadcast"/>) by a panel of output channels (the
/// vector side: weights packed K x channels). Outputs land position-major. SDSS computes its grid and its listed
/// positions with it; the exact <see cref="ConvAlgorithm.PositionTiles"/> computes every position, also of a grouped
/// convolution (<see cref="Applies"/>), whose panels each lie in one group and read that group's input channels.
/// </summary>
internal sealed unsafe class PositionTiles
{
    private readonly ConvSpec _spec;
    private readonly int _columns;
    /// <summary>
    /// K x padded channels past the pointwise ones, in panels of tile width: panel j holds channels
    /// [(PointwisePanels + j) * columns, (PointwisePanels + j + 1) * columns).
    /// </summary>
    private readonly AlignedFloats _weights;
    /// <summary>The pointwise channels' centre taps (<see cref="ConvSpec.PointwiseChannels"/>): C x their channels, in panels of tile width.</summary>
    private readonly AlignedFloats _pointwiseWeights;
    /// <summary>Panels of pointwise channels, which come first.</summary>
    private readonly int _pointwisePanels;
    /// <summary>
    /// Whether a residual is added in the tiles' registers: AVX-512's wide tiles, which store straight into the output's
    /// blocks (so the residual's element sits at a fixed distance from each output's), with the tiles' plain epilogue
    /// (<see cref="TileEpilogue.IsPlainBias"/>: a bias, then ReLU or nothing) and whole pairs of blocks (no narrow last
    /// panel). ResNet18's convolutions are all so. Elsewhere <see cref="AddResidual"/> adds it after the tiles.
    /// </summary>
    private readonly bool _residualInTiles;
    /// <summary>Bias padded with zeros to <see cref="PaddedChannels"/> (all zeros without one).</summary>
    private readonly float[] _bias;
    /// <summary>Planar maps the run copies into blocked ones (<see cref="CopiesPlanarIntoBlocks"/>).</summary>
    private readonly bool _planarIntoBlocks;
    /// <summary>Whether exact runs give each tile its own taps, leaving out those whose inputs are all zero (<see cref="LiveTaps"/>).</summary>
    private readonly bool _ownTaps;

    /// <summary>
    /// The most of their taps a chunk's sample tiles of six positions may keep for its tasks to run on lists (lower tiles
    /// with their extra cost, <see cref="LiveTaps.ChooseRows"/>), when the lists serve <paramref name="panels"/> panels of
    /// output channels. Measured on six-position tiles: a list costs its building, about a quarter
    /// of multiplying its taps against one pair of panels, and a load per k. ResNet18 (1 thread, layers of one to eight
    /// pairs): layers keeping 84%-96% of their taps ran 2%-8% slower on lists, those keeping 17%-79% 7%-46% faster;
    /// cifar10_quick's conv2 (one panel, 5 x 5) 15% slower keeping 87% (Zen 4). Where <paramref name="fmaRate"/> 512-bit
    /// FMAs retire a cycle (<see cref="WideFmaRate"/>) the multiplying takes that much less time and the list's costs do
    /// not, so they count that many times. Ice Lake (two), ResNet18 with lists against without, 1 thread, with these costs
    /// once / twice / three / four times: 1.04x-1.08x / 1.10x-1.16x / 1.14x-1.17x / 1.07x-1.08x.
    /// </summary>
    internal static double OwnTapsMaxKept(int panels, int fmaRate) =>
        Math.Max(0, Math.Min(1 - 0.15 * fmaRate, 1 - 0.25 * fmaRate * 2 / Math.Max(1, panels)));

    /// <summary>
    /// Whether tiles take lists for <paramref name="channels"/> output channels of <paramref name="taps"/> taps an input
    /// channel: a list's building (its sample's too, where the task then runs without) is paid again by every tile and
    /// repaid by the channels it serves. A 1x1 tap is one k, whose list entry costs about what multiplying it against a
    /// panel or two does: from 256 channels (SqueezeNet's squeezes, 16 to 64 outputs, ran up to 6% slower on lists keeping 65%
    /// of their taps; conv_final, 1000 outputs, 21% faster keeping 50%). A spatial kernel's: from two panels, 64 channels
    /// (cifar10_quick's conv2, 32 outputs of a 5 x 5 kernel, 15% slower, the sample alone costing most of it; its conv3, 64
    /// outputs, 11% faster).
    /// </summary>
    private static bool ListsPay(int taps, int channels) => channels >= (taps == 1 ? 256 : 64);
    private TapTable? _taps;

    public PositionTiles(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path)
    {
        _spec = spec;
        Path = path;
        _planarIntoBlocks = CopiesPlanarIntoBlocks(spec);
        // Zero inputs are skipped on AVX-512's wide tiles, over blocked maps, at stride 1
        // (ResNet18's 3x3 / 2 layers, whose tiles read every other position, ran 2%-11% slower on lists keeping 78%-98% of
        // their taps); only with finite weights, where a skipped 0 x w adds nothing (0 x inf would be NaN).
        _ownTaps = spec.SkipZeroInputs && path == SimdPath.Vector512 && Avx512F.IsSupported && ReadsBlocked && spec.StrideHeight == 1 && spec.StrideWidth == 1
            && spec.KernelHeight * spec.KernelWidth <= LiveTaps.MaximumTaps
            && (ListsPay(spec.KernelHeight * spec.KernelWidth, spec.OutputChannels - spec.PointwiseChannels) || ListsPay(1, spec.PointwiseChannels))
            && !weights.ContainsAnyExceptInRange(float.MinValue, float.MaxValue);
        _columns = PanelLayout.Columns(path);
        PaddedChannels = PanelLayout.CeilDiv(spec.OutputChannels, _columns) * _columns;
        int k = spec.ReductionLength;
        int pointwise = spec.PointwiseChannels;
        _pointwisePanels = pointwise / _columns;
        _weights = new AlignedFloats(checked((PaddedChannels - pointwise) * k));
        _pointwiseWeights = new AlignedFloats(checked(pointwise * spec.InputChannels));
        float* packed = _weights.Pointer, centres = _pointwiseWeights.Pointer;
        fixed (float* w = weights)
        {
            PanelLayout.PackColumns(w + (nint)pointwise * k, 1, k, spec.OutputChannels - pointwise, k, _columns, 1f, packed);
            // Channel m's weight at input channel c is its centre tap: m x K + c x taps + centre.
            int taps = spec.KernelHeight * spec.KernelWidth;
            if (pointwise > 0) PanelLayout.PackColumns(w + spec.CentreTap, taps, k, pointwise, spec.InputChannels, _columns, 1f, centres);
        }
        // Zeros where the spec has no bias: the tiles then finish in their plain epilogue (TileEpilogue.IsPlainBias), adding
        // 0, where the general one cost a 16 -> 64 1x1 layer on 55 x 55 a tenth of its time (0.84x -> 0.75x of MLAS's speed).
        _bias = GC.AllocateArray<float>(PaddedChannels, pinned: true);
        bias.CopyTo(_bias);
        fixed (float* b = _bias)
            _residualInTiles = spec.Residual && path == SimdPath.Vector512 && spec.OutputChannels % (2 * BlockedMaps.Block) == 0
                && new TileEpilogue(b, 0, 1, 1f, spec.Activation).IsPlainBias(1, out _);
    }

    /// <summary>
    /// Whether <paramref name="spec"/> can run on position tiles. Any stride and dilation: a position's origin in the
    /// padded input steps by the stride, a tap's offset by the dilation. Several groups only for exact runs between planar
    /// maps with whole pairs of 32-channel panels a group (<see cref="GroupChannelMultiple"/>: no pair of panels on AVX-512
    /// straddles two groups), so that a panel's K is its group's channels' taps, at one distance from the first group's.
    /// </summary>
    public static bool Applies(ConvSpec spec) => spec.Group == 1
        || (spec.OutputChannelsPerGroup % GroupChannelMultiple == 0 && spec.InputLayout == MapLayout.Planar && spec.OutputLayout == MapLayout.Planar
            && spec.PointwiseChannels == 0 && !spec.Residual && spec.SdssDelta == 0 && spec.SpetPrefix == 0 && spec.SfmaDelta == 0);

    /// <summary>
    /// Output channels a group has a multiple of, for grouped convolutions on position tiles: a pair of AVX-512's panels
    /// (and whole panels on every narrower path). AlexNet's grouped layers have 128 and 192.
    /// </summary>
    public const int GroupChannelMultiple = 64;

    /// <summary>Whether exact runs give tiles their own taps (<see cref="LiveTaps"/>).</summary>
    public bool OwnTaps => _ownTaps;

    /// <summary>
    /// Floats of one chunk of <paramref name="chunk"/> positions' lists in a run's buffer (<see cref="ConvWork.TapLists"/>):
    /// what each part built (<see cref="TileLists"/>), then every tile's lists at the lowest tiles and the most passes K
    /// can take, then room for the entries' 16-wide stores.
    /// </summary>
    public nint TapListFloats(int chunk)
    {
        int k = _spec.ReductionLength, channels = _spec.InputChannels;
        int pointwise = _pointwisePanels > 0 ? LiveTaps.StrideFor(channels, PanelLayout.CeilDiv(channels, PanelLayout.KBlock)) : 0;
        nint perTile = LiveTaps.StrideFor(k, PanelLayout.CeilDiv(k, PanelLayout.KBlock)) + pointwise;
        return (TapListHeader + PanelLayout.CeilDiv(chunk, TwoRows.Count) * perTile + 16 + 15) & ~(nint)15;
    }

    /// <summary>Ints before a chunk's lists: what its spatial and pointwise parts built (<see cref="TileLists"/>).</summary>
    private static readonly int TapListHeader = 2 * sizeof(TileLists) / sizeof(int);

    /// <summary>
    /// Task <paramref name="task"/> of the lists' phase (<see cref="ConvWork.BuildsTapLists"/>): one chunk of one image's
    /// tiles' lists, into the run's buffer, after the padded copy.
    /// </summary>
    public void BuildTapLists(in ConvWork work, float* input, float* shared, int task)
    {
        int image = task / work.ColumnChunks, chunk = task % work.ColumnChunks;
        int first = chunk * work.ColumnChunk, count = Math.Min(work.ColumnChunk, work.Columns - first);
        var built = (TileLists*)ChunkTapLists(work, shared, image, first);
        ImageOperand operand = Operand(work, shared, image, count, 0, input, 0, null, ownTaps: true, (int*)(built + 2));
        PlaceOrigins(operand, work, first, count);
        (built[0], built[1]) = BuildOwnTaps(operand, count, 0, PaddedChannels / _columns);
    }

    /// <summary>The header of image <paramref name="image"/>'s chunk starting at position <paramref name="first"/> in the lists' phase's buffer.</summary>
    private int* ChunkTapLists(in ConvWork work, float* shared, int image, int first) =>
        (int*)(shared + work.TapLists + ((nint)image * work.ColumnChunks + first / work.ColumnChunk) * TapListFloats(work.ColumnChunk));

    /// <summary>The operand's lists, built: the taps each part keeps (entries x positions summed over tiles) and its tiles' height; none for a part without.</summary>
    private (TileLists Spatial, TileLists Pointwise) BuildOwnTaps(in ImageOperand operand, int count, int firstPanel, int lastPanel)
    {
        int pointwisePanels = Math.Clamp(_pointwisePanels - firstPanel, 0, lastPanel - firstPanel);
        return (operand.SpatialTaps.IsEmpty ? default : LiveTaps.Build(operand.Padded, operand.Origins, count, operand.Offsets, _spec.InputChannels,
                _spec.KernelHeight * _spec.KernelWidth, operand.Segments.Length(0), OwnTapsMaxKept(lastPanel - firstPanel - pointwisePanels, WideFmaRate.PerCycle), operand.SpatialTaps),
            operand.PointwiseTaps.IsEmpty ? default : LiveTaps.Build(operand.Padded, operand.Origins, count, operand.CentreOffsets, _spec.InputChannels, 1,
                operand.PointwiseSegments.Length(0), OwnTapsMaxKept(pointwisePanels, WideFmaRate.PerCycle), operand.PointwiseTaps));
    }

    /// <summary>Planar input channels from which an exact run copies its input into blocked maps (<see cref="PlanarBlocks"/>).</summary>
    public const int PlanarIntoBlocksChannels = 256;

    /// <summary>Output channels from which a planar 1x1 convolution may run here, on blocked maps, rather than as a pointwise product.</summary>
    public const int PlanarIntoBlocksPointwiseOutputs = 128;

    /// <summary>
    /// Whether runs of <paramref name="spec"/> copy planar input maps into blocked ones and read those: exact spatial specs
    /// of at least <see cref="PlanarIntoBlocksChannels"/> input channels (the kernel alone on blocked maps against planar:
    /// 128 channels 1.00x, 256 channels 1.02x, 512 channels 1.02x-1.13x), 1x1 ones of at least
    /// <see cref="PlanarIntoBlocksPointwiseOutputs"/> outputs, on the maps where that pays (ConvKernel's choice: the
    /// pointwise product writes its planar rows unaligned, a line split in two for most of its vectors, where the tiles
    /// write blocks and a transpose writes the rows; Zen 4, kernel alone, 1 thread: SqueezeNet's expands of 128 to 256
    /// outputs on 27 x 27 and 55 x 55 1.05x-1.36x faster so, conv10 1.14x; fire9's expand on 13 x 13 and the squeezes of
    /// 64 outputs or fewer as fast or faster as a pointwise product).
    /// </summary>
    public static bool CopiesPlanarIntoBlocks(ConvSpec spec) => spec.Group == 1 && spec.InputLayout == MapLayout.Planar
        && spec.SdssDelta == 0 && spec.SpetPrefix == 0 && spec.SfmaDelta == 0
        && (spec.KernelHeight * spec.KernelWidth > 1 ? spec.InputChannels >= PlanarIntoBlocksChannels : spec.OutputChannels >= PlanarIntoBlocksPointwiseOutputs);

    /// <summary>Whether the tiles read blocked maps: a blocked input, or planar maps copied into blocks.</summary>
    public bool ReadsBlocked => _spec.InputLayout == MapLayout.Blocked || _planarIntoBlocks;

    /// <summary>Whether runs copy planar input maps into blocked ones (<see cref="CopiesPlanarIntoBlocks"/>).</summary>
    public bool PlanarIntoBlocks => _planarIntoBlocks;

    public ConvSpec Spec => _spec;
    public SimdPath Path { get; }
    /// <summary>Output channels per panel (the tile's columns).</summary>
    public int Columns => _columns;
    /// <summary>Output channels rounded up to whole panels.</summary>
    public int PaddedChannels { get; }

    /// <summary>
    /// Whether a task runs all of K in one block: accumulators stay in registers and the weights stream once per tile
    /// (MLAS's way), instead of each block of weights staying in L1 across the task's tiles with partial sums through
    /// its scratch. Blocks pay only with many tiles to share them: with a short K, or a task of few positions (a 13 x 13
    /// map cut eight ways: 1.32x-1.47x against the morning's kernel in one block, 1.27x in blocks of 128), one block wins.
    /// So does a 1x1 kernel's K (one k a channel, read in place from consecutive positions; Zen 4, kernel alone, blocked
    /// maps, one task: 512 -> 64 on 13 x 13, 384 -> 64 on 27 x 27, 512 -> 1008 and 512 -> 512 on 7 x 7 1.04x-1.05x
    /// faster than in blocks of 128, 256 -> 32 and 256 -> 48 the same); a 3x3 kernel's of 4608 on 7 x 7 ran as fast either way.
    /// </summary>
    private static bool WholeK(int k, int taps, int positions) => taps == 1 || k <= 2 * PanelLayout.KBlock || positions <= 8 * PanelLayout.Rows;

    /// <summary>
    /// The fewest taps of zero maps in a row that exact position tiles leave out (SDSS, whose counts follow every zero map,
    /// leaves them all out): each further run of K costs every tile of the
    /// task its partial sums' load and store and the tile's setup, about what 8 k cost (every fourth map zero in a 1x1
    /// convolution of SqueezeNet conv10's shape cut K into runs of three and ran 3.5x slower than multiplying them: 11 k of
    /// time per 3). So a 3x3 kernel's zero map (9 taps) is left out, a 1x1 convolution's only nine in a row. (Measured
    /// when every run was a pass; AVX-512's wide tiles now step over a pass's gaps with their sums in registers, while
    /// narrow tiles and the other paths still pay a pass per run.)
    /// </summary>
    private const int MinimumSkippedTaps = 9;

    /// <summary>
    /// K above which the wide tiles prefetch the next pass's weights into L1 while they run the current pass: over 256 KB
    /// of weights a pair of panels, streamed pass after pass from L3 or memory, where the first tile of each pass would
    /// wait for them. ResNet18 (K 1152 to 4608 past its first stage) 3.9%-4.8% faster at 1 thread, 1.3%-2.3% at 2 (A/B, three
    /// medians of 40); into L2 instead, 0.5%-0.7%. At every K, SqueezeNet (K up to 576, its weights in L2) was 1%-2%
    /// slower at 2 threads.
    /// </summary>
    private const int PrefetchNextPassK = 1024;

    /// <summary>
    /// K in as few blocks of at most <see cref="PanelLayout.KBlock"/> as hold it, of equal length: a short last block
    /// (288 = 128 + 128 + 32) costs every tile a partial sums' load and store for little work (3 x 96: 1.02x-1.05x on
    /// SqueezeNet's 3 x 3 expands with K 288 to 576).
    /// </summary>
    private static int EvenBlock(int k) => PanelLayout.CeilDiv(k, PanelLayout.CeilDiv(k, PanelLayout.KBlock));

    /// <summary>
    /// Whether a run over <paramref name="geometry"/> reads its input in place, with no padded copy: blocked maps, or
    /// planar maps a blocked output is made from (unless copied into blocks), with no padding to add.
    /// </summary>
    public bool ReadsInPlace(in ConvGeometry geometry) =>
        (_spec.InputLayout == MapLayout.Blocked || (_spec.OutputLayout == MapLayout.Blocked && !_planarIntoBlocks)) && !geometry.HasPadding;

    /// <summary>Floats of one image's padded copy.</summary>
    public nint PaddedImageFloats(in ConvGeometry geometry) => ReadsBlocked
        ? BlockedMaps.ImageFloats(_spec.InputChannels, PaddedTaps.Plane(geometry))
        : _spec.InputChannels * PaddedTaps.Plane(geometry);

    /// <summary>
    /// The image's padded input (or, where the run reads in place, <paramref name="input"/>'s image), its live runs
    /// of K (zero maps left out), the taps' offsets, room for <paramref name="positions"/> origins, and
    /// <paramref name="valueFloats"/> floats of task scratch (64-byte aligned) for outputs. Zero maps fewer than
    /// <paramref name="minimumSkippedTaps"/> taps in a row stay in K.
    /// </summary>
    public ImageOperand Operand(in ConvWork work, float* shared, int image, int positions, nint valueFloats = 0, float* input = null, int minimumSkippedTaps = 0,
        byte* taskZeroMaps = null, bool ownTaps = false, int* tapLists = null)
    {
        int channels = _spec.InputChannels;
        int k = _spec.ReductionLength;
        nint indexFloats = (nint)positions * (sizeof(nint) / sizeof(float));
        nint valuesAt = (indexFloats + 15) & ~(nint)15;
        nint* origins = (nint*)ScratchArena.Rent(valuesAt + valueFloats);
        float* padded;
        nint pitch, plane;
        if (work.Interior || ReadsInPlace(work.Geometry))
        {
            // In place, or (an interior run of planar maps) the unpadded blocked copy.
            (pitch, plane) = (work.Geometry.InputWidth, work.Geometry.InputSize);
            float* maps = work.Interior && _planarIntoBlocks ? shared : input;
            padded = maps + image * (ReadsBlocked ? BlockedMaps.ImageFloats(channels, plane) : channels * plane);
        }
        else
        {
            (pitch, plane) = ((nint)work.Geometry.PaddedWidth, PaddedTaps.Plane(work.Geometry));
            padded = shared + image * PaddedImageFloats(work.Geometry);
        }
        TapTable taps = TapOffsets(work.Geometry, pitch, plane);
        // Each tile's own taps leave out zero maps and the padding too: the runs are all of K.
        byte* zeroMaps = ownTaps ? null : work.TaskCopies ? taskZeroMaps : work.ZeroMapFlags == 0 ? null : (byte*)(shared + work.ZeroMapFlags) + (nint)image * channels;
        // Each group's own runs where zero maps cut K (a group's K is its channels' taps).
        int groups = zeroMaps == null ? 1 : _spec.Group, groupChannels = _spec.InputChannelsPerGroup;
        // One rent for every list of runs (a rent replaces the last one on this thread): the spatial taps' (each group's),
        // the pointwise channels', the border rows' (BorderRows), and the groups' runs.
        int groupBounds = groupChannels + k / PanelLayout.KBlock + 2;
        int spatialBounds = groups * groupBounds;
        int pointwiseBounds = _pointwisePanels == 0 ? 0 : channels + channels / PanelLayout.KBlock + 2;
        int borderInts = !ownTaps && HasBorderRows(work) ? BorderRows.Ints(groupChannels, groupBounds) : 0;
        int groupRuns = groups == 1 ? 0 : (groups * sizeof(KSegments) + 7) / 8 + 1;
        int* bounds = zeroMaps == null && borderInts == 0 ? null : ScratchArena.RentSegments(spatialBounds + pointwiseBounds + (borderInts + 1) / 2 + groupRuns);
        int kernelTaps = _spec.KernelHeight * _spec.KernelWidth;
        KSegments segments;
        KSegments* groupSegments = null;
        if (groups == 1) segments = Runs(zeroMaps, k, kernelTaps, positions, bounds, minimumSkippedTaps);
        else
        {
            groupSegments = (KSegments*)(((nint)(bounds + 2 * (spatialBounds + pointwiseBounds + (borderInts + 1) / 2)) + 7) & ~(nint)7);
            for (int g = 0; g < groups; g++)
                groupSegments[g] = Runs(zeroMaps + g * groupChannels, k, kernelTaps, positions, bounds + 2 * g * groupBounds, minimumSkippedTaps);
            segments = groupSegments[0];
        }
        KSegments pointwise = _pointwisePanels == 0 ? default : Runs(zeroMaps, channels, 1, positions, bounds + 2 * spatialBounds, minimumSkippedTaps);
        LiveTaps spatialTaps = default, pointwiseTaps = default;
        if (ownTaps)
        {
            // Room for the lowest tiles' lists (LiveTaps.Build chooses the height).
            int tiles = PanelLayout.CeilDiv(positions, TwoRows.Count);
            int spatialStride = LiveTaps.StrideFor(k, segments.Count), pointwiseStride = _pointwisePanels == 0 ? 0 : LiveTaps.StrideFor(channels, pointwise.Count);
            // 16 ints past the last list: a tile's entries are stored 16 at a time.
            int* lists = tapLists != null ? tapLists : ScratchArena.RentTaps((nint)tiles * (spatialStride + pointwiseStride) + 16);
            if (ListsPay(_spec.KernelHeight * _spec.KernelWidth, _spec.OutputChannels - _spec.PointwiseChannels))
                spatialTaps = new LiveTaps(lists, spatialStride, segments.Count);
            if (_spec.PointwiseChannels > 0 && ListsPay(1, _spec.PointwiseChannels))
                pointwiseTaps = new LiveTaps(lists + (nint)tiles * spatialStride, pointwiseStride, pointwise.Count);
        }
        return new ImageOperand(padded, segments, pointwise, taps.Address, taps.CentreAddress, origins, (float*)origins + valuesAt, pitch,
            ReadsBlocked ? BlockedMaps.Block : 1, borderInts == 0 ? null : bounds + 2 * (spatialBounds + pointwiseBounds), spatialTaps, pointwiseTaps,
            _spec.Group == 1 ? 0 : groupChannels * plane, groupSegments);
    }

    /// <summary>
    /// Whether a run's border rows of outputs leave out the kernel rows that read padding (<see cref="BorderRows"/>):
    /// AVX-512, whose wide tiles step over the gaps that leaves in K (one per channel) with their sums in registers, reading
    /// a padded copy with padding above or below.
    /// </summary>
    private bool HasBorderRows(in ConvWork work) => Path == SimdPath.Vector512 && _spec.KernelHeight > 1 && !work.Interior
        && !ReadsInPlace(work.Geometry) && (work.Geometry.PadTop > 0 || work.Geometry.PadBottom > 0);

    /// <summary>
    /// The runs of a K of <paramref name="k"/> (<paramref name="taps"/> per input channel): in blocks, or the live channels'
    /// where zero maps are flagged, cut into blocks only where K would be: a task that takes K whole takes its live runs in
    /// one pass (<see cref="KSegments.PassEnd"/>), its sums in registers throughout, as it would all of K.
    /// </summary>
    private static KSegments Runs(byte* zeroMaps, int k, int taps, int positions, int* bounds, int minimumSkippedTaps) => zeroMaps == null
        ? KSegments.All(k, WholeK(k, taps, positions) ? k : EvenBlock(k))
        : KSegments.LiveChannels(zeroMaps, k / taps, taps, bounds, minimumSkippedTaps,
            WholeK(k, taps, positions) ? Math.Max(k, PanelLayout.KBlock) : PanelLayout.KBlock);

    /// <summary>The taps' offsets in an input of <paramref name="pitch"/> x <paramref name="plane"/>, computed on the first run of that size.</summary>
    private TapTable TapOffsets(in ConvGeometry geometry, nint pitch, nint plane)
    {
        TapTable? table = Volatile.Read(ref _taps);
        if (table is null || table.Pitch != pitch || table.Plane != plane)
        {
            // A group's channels: the other groups' panels read theirs at a fixed distance (ImageOperand.ForGroup).
            int channels = _spec.InputChannelsPerGroup, taps = _spec.KernelHeight * _spec.KernelWidth;
            nint[] offsets = GC.AllocateUninitializedArray<nint>(_spec.ReductionLength, pinned: true);
            nint[] centres = _pointwisePanels == 0 ? [] : GC.AllocateUninitializedArray<nint>(channels, pinned: true);
            fixed (nint* o = offsets)
            {
                if (ReadsBlocked) BlockedMaps.TapOffsets(_spec, pitch, plane, channels, o);
                else PaddedTaps.TapOffsets(_spec, geometry, channels, o);
            }
            for (int c = 0; c < centres.Length; c++) centres[c] = offsets[c * taps + _spec.CentreTap];
            table = new TapTable(pitch, plane, offsets, centres);
            Volatile.Write(ref _taps, table);
        }
        return table;
    }

    /// <summary>
    /// The taps' offsets for one input size, kept from run to run: they depend on the kernel and the input's size only,
    /// and computing them per task (a division per k) cost cifar10_quick's conv2 (K 800 on a 16 x 16 map) 6% of its time.
    /// Replaced whole when the size changes, so tasks of a run on other threads never see a half-written table.
    /// </summary>
    private sealed class TapTable(nint pitch, nint plane, nint[] offsets, nint[] centres)
    {
        public nint Pitch => pitch;
        public nint Plane => plane;
        /// <summary>Every k's offset (pinned: its address is handed to the tiles).</summary>
        public nint* Address => (nint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(offsets));
        /// <summary>Each input channel's centre tap, what the pointwise channels read (pinned; empty without them).</summary>
        public nint* CentreAddress => (nint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(centres));
    }

    public readonly struct ImageOperand(float* padded, KSegments segments, KSegments pointwiseSegments, nint* offsets, nint* centreOffsets,
        nint* origins, float* values, nint pitch, nint positionFloats, int* borderRoom = null, LiveTaps spatialTaps = default, LiveTaps pointwiseTaps = default,
        nint groupFloats = 0, KSegments* groupSegments = null)
    {
        /// <summary>This operand with tiles' own taps <paramref name="spatial"/> and <paramref name="pointwise"/> (empty: the runs).</summary>
        public ImageOperand WithTaps(LiveTaps spatial, LiveTaps pointwise) =>
            new(padded, segments, pointwiseSegments, offsets, centreOffsets, origins, values, pitch, positionFloats, borderRoom, spatial, pointwise,
                groupFloats, groupSegments);

        /// <summary>
        /// The operand of group <paramref name="group"/>'s panels: its input channels (the offsets are the first group's) and
        /// its runs of K, where zero maps cut them per group.
        /// </summary>
        public ImageOperand ForGroup(int group) =>
            new(padded + group * groupFloats, groupSegments == null ? segments : groupSegments[group], pointwiseSegments, offsets, centreOffsets,
                origins, values, pitch, positionFloats, borderRoom, spatialTaps, pointwiseTaps, groupFloats, groupSegments);

        /// <summary>Each tile's own taps of the spatial panels' K, where the run gives tiles their own (else empty).</summary>
        public LiveTaps SpatialTaps => spatialTaps;
        /// <summary>Each tile's own taps of the pointwise panels' K (one a channel), where the spec has pointwise panels.</summary>
        public LiveTaps PointwiseTaps => pointwiseTaps;

        /// <summary>Room for the border rows' runs (<see cref="BorderRows.Ints"/>), where the run has border rows; else null.</summary>
        public int* BorderRoom => borderRoom;

        /// <summary>Where output (oy, ox) of the convolution starts reading in <see cref="Padded"/>.</summary>
        public nint Origin(ConvSpec spec, int oy, int ox) => (oy * spec.StrideHeight * pitch + (nint)ox * spec.StrideWidth) * positionFloats;

        public float* Padded => padded;
        public KSegments Segments => segments;
        /// <summary>The runs of the pointwise channels' K (one tap per input channel), where the spec has them.</summary>
        public KSegments PointwiseSegments => pointwiseSegments;
        public nint* Offsets => offsets;
        /// <summary>Each input channel's centre tap offset, where the spec has pointwise channels.</summary>
        public nint* CentreOffsets => centreOffsets;
        public nint* Origins => origins;
        /// <summary>The task's output scratch, when asked for.</summary>
        public float* Values => values;
    }

    /// <summary>
    /// Rows = positions (origins in the padded input), columns = output channels of panels [firstPanel, lastPanel):
    /// row i, panel j lands at values + i * ldc + j * <paramref name="panelStride"/>, the second vector of a panel's
    /// row <paramref name="vectorStride"/> floats after its first (0: rows of contiguous panels). With
    /// <paramref name="narrowLast"/>, the last panel computes and stores its first vector only. With
    /// <paramref name="borders"/> (found for these positions, room in the operand), the border rows' tiles of spatial panels
    /// on wide tiles multiply their own runs in each pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply<TLane, TVec>(in ImageOperand operand, int count, int firstPanel, int lastPanel, float* values, nint ldc,
        nint panelStride = 0, nint vectorStride = 0, bool narrowLast = false, nint residual = 0, BorderRows* borders = null)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        if (panelStride == 0) (panelStride, vectorStride) = (_columns, TLane.Count);
        float* padded = operand.Padded;
        nint* origins = operand.Origins;
        // A 1x1 kernel over blocked maps read in place: every position a block after the last (the tiles' ConsecutiveRuns).
        bool consecutive = _spec.KernelHeight * _spec.KernelWidth == 1 && ReadsBlocked && count > 0
            && origins[count - 1] - origins[0] == (nint)(count - 1) * BlockedMaps.Block;
        if (borders != null && borders->Groups == 0) borders = null;
        if (borders != null) borders->CutRuns(operand.Segments, _spec.InputChannelsPerGroup, _spec.KernelHeight * _spec.KernelWidth, operand.BorderRoom);
        float* spatialWeights = _weights.Pointer, pointwiseWeights = _pointwiseWeights.Pointer;
        fixed (float* bias = _bias)
        {
            // A residual is added in the tiles' registers (_residualInTiles: residual is the distance from output to it), or
            // after them (ResidualSum), when the tiles add the bias only and leave the activation to that sum.
            var epilogue = new TileEpilogue(bias, 0, 1, 1f, _spec.Residual && residual == 0 ? Activation.None : _spec.Activation, residual);
            for (int j = firstPanel; j < lastPanel;)
            {
                // Two panels of channels at once where 32 vector registers hold both (a JIT-time constant); three
                // vectors where the second is the narrow last panel; on AVX-512 a lone panel loops in the tile too.
                bool wide = typeof(TVec) == typeof(Vector512<float>) && j + 1 < lastPanel;
                bool three = wide && narrowLast && j + 2 == lastPanel;
                bool narrow = narrowLast && j + 1 == lastPanel;
                bool single = typeof(TVec) == typeof(Vector512<float>) && !wide && !narrow;
                int vectors = three ? 3 : wide ? 4 : 2;
                // Pointwise panels (whole pairs of them) multiply their centre taps only.
                bool pointwise = j < _pointwisePanels;
                int k = pointwise ? _spec.InputChannels : _spec.ReductionLength;
                nint* offsets = pointwise ? operand.CentreOffsets : operand.Offsets;
                KSegments segments = pointwise ? operand.PointwiseSegments : operand.Segments;
                LiveTaps live = pointwise ? operand.PointwiseTaps : operand.SpatialTaps;
                float* panel = pointwise ? pointwiseWeights + (nint)j * k * _columns : spatialWeights + (nint)(j - _pointwisePanels) * k * _columns;
                TileEpilogue panelEpilogue = epilogue.At(0, (nint)j * _columns);
                float* target = values + (nint)j * panelStride;
                // AVX-512's wide tiles step over the gaps of a pass with their sums in registers; the others store them at each run's end.
                bool passes = wide || single;
                // Border rows' tiles multiply their own runs in each pass (spatial panels on wide tiles only).
                BorderRows* rows = passes && !pointwise ? borders : null;
                float* right = single ? panel : panel + (nint)k * _columns;
                for (int segment = 0, pass = 0; segment < segments.Count; pass++)
                {
                    int end = passes ? segments.PassEnd(segment) : segment + 1;
                    bool accumulate = segment > 0;
                    bool finish = end == segments.Count;
                    if (passes)
                    {
                        int middle = rows == null ? 0 : rows->MiddleStart, middleEnd = rows == null ? count : rows->MiddleEnd;
                        float* next = null;
                        nint nextFloats = 0;
                        if (k > PrefetchNextPassK && end < segments.Count)
                        {
                            int nextEnd = segments.PassEnd(end);
                            int k0 = segments.Start(end), k1 = segments.Start(nextEnd - 1) + segments.Length(nextEnd - 1);
                            next = panel + (nint)k0 * _columns;
                            nextFloats = (nint)(k1 - k0) * _columns;
                        }
                        if (middleEnd > middle)
                            GemmTile<TLane, TVec>.RunWideTiles(vectors, padded, origins + middle, middleEnd - middle, offsets, panel, right, segments, segment, end,
                                target + middle * ldc, ldc, accumulate, finish, panelEpilogue, vectorStride, next, nextFloats, live, consecutive);
                        for (int group = 0; rows != null && group < rows->Groups; group++)
                        {
                            int start = rows->Start(group);
                            GemmTile<TLane, TVec>.RunWideTiles(vectors, padded, origins + start, rows->Count(group), offsets, panel, right, rows->Runs(group),
                                rows->PassStart(group, pass), rows->PassStart(group, pass + 1), target + start * ldc, ldc, accumulate, finish, panelEpilogue, vectorStride);
                        }
                    }
                    else
                    {
                        int k0 = segments.Start(segment);
                        int kLength = segments.Length(segment);
                        float* rows0 = panel + (nint)k0 * _columns;
                        if (narrow)
                            GemmTile<TLane, TVec>.RunNarrowTiles(padded, origins, count, offsets + k0, rows0, kLength, target, ldc, accumulate, finish, panelEpilogue);
                        else
                        {
                            var b = new PanelRows<TLane, TVec>(rows0);
                            for (int i = 0; i < count; i += PanelLayout.Rows)
                            {
                                int here = Math.Min(PanelLayout.Rows, count - i);
                                GemmTile<TLane, TVec>.Run(PositionBroadcast.Tile(padded, origins + i, here, offsets + k0), b, kLength, target + i * ldc, ldc,
                                    target + i * ldc, ldc, here, _columns, accumulate, finish, panelEpilogue, vectorStride);
                            }
                        }
                    }
                    segment = end;
                }
                j += wide ? 2 : 1;
            }
        }
    }

    /// <summary>
    /// Blocked output with panels of whole blocks (AVX-512: two blocks, AVX: one): tiles store straight into the
    /// output's blocks, a position's 16 channels one vector, as MLAS's NCHWc kernel does; no task scratch, no second pass.
    /// Where the last panel reaches past the tensor's last block (an odd number of blocks on AVX-512), it computes its
    /// first vector only; channels past the last real one in its block are zeroed.
    /// </summary>
    private void MultiplyIntoBlocks<TLane, TVec>(in ImageOperand operand, int image, int first, int count, int firstPanel, int lastPanel,
        float* output, nint n, float* residual, BorderRows* borders)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        const int block = BlockedMaps.Block;
        int blocks = BlockedMaps.Blocks(_spec.OutputChannels);
        float* positions = output + image * BlockedMaps.ImageFloats(_spec.OutputChannels, n) + (nint)first * block;
        nint panelStride = (nint)_columns * n;
        nint vectorStride = TLane.Count == block ? n * block : TLane.Count;
        // An odd number of blocks on AVX-512: the last panel's second vector would be past the tensor's last block.
        bool narrowLast = lastPanel * _columns > blocks * block;
        Multiply<TLane, TVec>(operand, count, firstPanel, lastPanel, positions, block, panelStride, vectorStride, narrowLast,
            _residualInTiles ? (nint)(residual - output) : 0, borders);
        int real = _spec.OutputChannels - (blocks - 1) * block;
        if (real < block && lastPanel * _columns >= _spec.OutputChannels)
        {
            float* last = positions + (nint)(blocks - 1) * n * block;
            for (int i = 0; i < count; i++) new Span<float>(last + i * block + real, block - real).Clear();
        }
    }

    /// <summary>
    /// An interior run's outputs, position-major, into the padded output maps: each input row's stretch of positions
    /// lands in its own output row, inside the border.
    /// </summary>
    private void StoreInterior(in ConvGeometry geometry, float* values, int width, int first, int count, int channels, float* maps)
    {
        int inputWidth = geometry.InputWidth;
        nint n = geometry.OutputSize;
        for (int i = 0; i < count;)
        {
            int position = first + i;
            int y = position / inputWidth, x = position - y * inputWidth;
            int run = Math.Min(count - i, inputWidth - x);
            nint at = (nint)(y + geometry.PadTop) * geometry.OutputWidth + x + geometry.PadLeft;
            ChannelMaps.Store(values + (nint)i * width, width, run, channels, maps + at, n, Path);
            i += run;
        }
    }

    /// <summary>
    /// A task's outputs, position-major (<paramref name="count"/> rows <paramref name="width"/> floats apart, channels
    /// from <paramref name="c0"/>), into the output maps of image <paramref name="image"/> from position <paramref name="first"/>.
    /// </summary>
    internal void Store(in ConvWork work, float* values, int width, int image, int first, int count, int c0, int channels, float* output)
    {
        nint n = work.Geometry.OutputSize;
        if (_spec.OutputLayout == MapLayout.Blocked)
            BlockedMaps.Store(values, width, count, c0, channels, _spec.OutputChannels,
                output + image * BlockedMaps.ImageFloats(_spec.OutputChannels, n), n, first);
        else if (work.Interior)
            StoreInterior(work.Geometry, values, width, first, count, channels, output + ((nint)image * _spec.OutputChannels + c0) * n);
        else
            ChannelMaps.Store(values, width, count, channels, output + ((nint)image * _spec.OutputChannels + c0) * n + first, n, Path);
    }

    /// <summary>
    /// Task <paramref name="task"/> of an exact <see cref="ConvAlgorithm.PositionTiles"/> run (after the padded
    /// copy): its chunk of positions by its range of channel panels, into task scratch, then transposed into the
    /// output maps.
    /// </summary>
    public void RunExact(in ConvWork work, float* input, float* output, float* shared, int task, KernelCounters counters, float* residual = null)
    {
        var run = new RunExactWork(this, work, input, output, shared, task, counters, residual);
        SimdDispatch.Run(Path, ref run);
        if (_spec.Residual && !_residualInTiles) AddResidual(work, output, residual, task);
    }

    /// <summary>
    /// The residual's sum and the activation over the task's outputs (real channels only: the lanes past the last stay
    /// zero), just written by its tiles.
    /// </summary>
    private void AddResidual(in ConvWork work, float* output, float* residual, int task)
    {
        const int block = BlockedMaps.Block;
        (int image, int first, int count, int firstPanel, int lastPanel) = work.Task(task);
        int c0 = firstPanel * _columns, end = Math.Min(_spec.OutputChannels, Math.Min(lastPanel, PaddedChannels / _columns) * _columns);
        nint n = work.Geometry.OutputSize;
        nint imageAt = image * BlockedMaps.ImageFloats(_spec.OutputChannels, n) + (nint)first * block;
        for (int c = c0; c < end; c = (c / block + 1) * block)
        {
            int lo = c % block, hi = Math.Min(block, end - c / block * block);
            nint at = imageAt + c / block * n * block;
            if (lo == 0 && hi == block)
                ResidualSum.Apply(output + at, residual + at, (nint)count * block, _spec.Activation, Path);
            else
                for (nint p = 0; p < count; p++)
                    ResidualSum.Apply(output + at + p * block + lo, residual + at + p * block + lo, hi - lo, _spec.Activation, Path);
        }
    }

    /// <summary>MACs a grouped run's task executes: each group's channels in its panels by the group's runs of K.</summary>
    private long GroupsExecuted(in ImageOperand operand, int count, int firstPanel, int lastPanel)
    {
        long executed = 0;
        for (int g = FirstGroup(firstPanel); g < EndGroup(lastPanel); g++)
        {
            (int lo, int hi) = GroupPanels(g, firstPanel, lastPanel);
            executed += (long)(hi - lo) * _columns * count * operand.ForGroup(g).Segments.TotalLength;
        }
        return executed;
    }

    /// <summary>The group of panel <paramref name="panel"/>: a group has whole panels (<see cref="GroupChannelMultiple"/>).</summary>
    private int FirstGroup(int panel) => panel * _columns / _spec.OutputChannelsPerGroup;

    /// <summary>The group after the last one panels before <paramref name="endPanel"/> reach.</summary>
    private int EndGroup(int endPanel) => PanelLayout.CeilDiv(endPanel * _columns, _spec.OutputChannelsPerGroup);

    /// <summary>Group <paramref name="group"/>'s panels within [firstPanel, lastPanel).</summary>
    private (int First, int End) GroupPanels(int group, int firstPanel, int lastPanel)
    {
        int groupPanels = _spec.OutputChannelsPerGroup / _columns;
        return (Math.Max(firstPanel, group * groupPanels), Math.Min(lastPanel, (group + 1) * groupPanels));
    }

    /// <summary>
    /// The taps x positions of the tiles of <paramref name="height"/> positions over [first, first + count) that read only
    /// padding at all of their positions, summed over the input channels: left out of the tiles' lists like zero inputs,
    /// but counted as executed, since MLAS leaves them out too.
    /// </summary>
    private long PaddingTaps(in ConvGeometry geometry, int first, int count, int height)
    {
        // A tile's rows are placed once; then per kernel row and column a mask of the rows it takes into the padding
        // (a division per position and tap here had cost as much as the lists it counted for: cifar10_quick's conv3).
        int* oy = stackalloc int[PanelLayout.Rows], ox = stackalloc int[PanelLayout.Rows];
        long total = 0;
        int width = geometry.OutputWidth;
        for (int tile = first; tile < first + count; tile += height)
        {
            int rows = Math.Min(height, first + count - tile), padding = 0;
            uint all = (1u << rows) - 1;
            for (int r = 0; r < rows; r++)
            {
                oy[r] = (tile + r) / width;
                ox[r] = tile + r - oy[r] * width;
            }
            for (int ky = 0; ky < _spec.KernelHeight; ky++)
            {
                uint outsideY = 0;
                for (int r = 0; r < rows; r++)
                {
                    int y = oy[r] * _spec.StrideHeight + ky * _spec.DilationHeight - geometry.PadTop;
                    if (y < 0 || y >= geometry.InputHeight) outsideY |= 1u << r;
                }
                if (outsideY == all)
                {
                    padding += _spec.KernelWidth;
                    continue;
                }
                for (int kx = 0; kx < _spec.KernelWidth; kx++)
                {
                    uint outside = outsideY;
                    for (int r = 0; r < rows; r++)
                    {
                        int x = ox[r] * _spec.StrideWidth + kx * _spec.DilationWidth - geometry.PadLeft;
                        if (x < 0 || x >= geometry.InputWidth) outside |= 1u << r;
                    }
                    if (outside == all) padding++;
                }
            }
            total += (long)padding * rows;
        }
        return total * _spec.InputChannels;
    }

    /// <summary>
    /// Origins of positions [first, first + count): an interior run's are the input's (those of an unpadded 1x1 convolution).
    /// Row by row, a step apart: it runs for every position of every run (fire2's 3,025, a twentieth of its 1x1 layers'
    /// time when computed position by position), so it is compiled fully optimised from the first call too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PlaceOrigins(in ImageOperand operand, in ConvWork work, int first, int count)
    {
        int outW = work.Interior ? work.Geometry.InputWidth : work.Geometry.OutputWidth;
        int oy = first / outW, ox = first - oy * outW;
        nint step = operand.Origin(_spec, 0, 1);
        nint* origins = operand.Origins;
        for (int i = 0; i < count;)
        {
            int here = Math.Min(outW - ox, count - i);
            nint origin = operand.Origin(_spec, oy, ox);
            for (int j = 0; j < here; j++, origin += step) origins[i + j] = origin;
            (i, oy, ox) = (i + here, oy + 1, 0);
        }
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct RunExactWork(PositionTiles kernel, ConvWork work, float* input, float* output, float* shared, int task, KernelCounters counters, float* residual) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunExact<TLane, TVec>(work, input, output, shared, task, counters, residual);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunExact<TLane, TVec>(in ConvWork work, float* input, float* output, float* shared, int task, KernelCounters counters, float* residual)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        (int image, int first, int count, int firstPanel, int lastPanel) = work.Task(task);
        lastPanel = Math.Min(lastPanel, PaddedChannels / _columns);
        int width = (lastPanel - firstPanel) * _columns;

        byte* taskZeroMaps = null;
        if (work.TaskCopies)
        {
            // This task's rows of the padded copy, copied here: the thread that computes them reads them from its own cache.
            ConvGeometry geometry = work.Geometry;
            int rowWidth = geometry.OutputWidth;
            int firstRow = first / rowWidth * _spec.StrideHeight;
            int endRow = (int)Math.Min((first + count - 1) / rowWidth * _spec.StrideHeight + (_spec.KernelHeight - 1) * _spec.DilationHeight + 1, geometry.PaddedHeight);
            byte* flags = stackalloc byte[_spec.SkipZeroMaps ? _spec.InputChannels : 0];
            nint paddedImage = PaddedImageFloats(geometry);
            BlockedMaps.CopyPadded(input + image * BlockedMaps.ImageFloats(_spec.InputChannels, geometry.InputSize), geometry,
                0, BlockedMaps.Blocks(_spec.InputChannels), firstRow, endRow, _spec.InputChannels, shared + image * paddedImage, _spec.SkipZeroMaps ? flags : null);
            new Span<float>(shared + work.Batch * paddedImage, _columns).Clear();
            taskZeroMaps = _spec.SkipZeroMaps ? flags : null;
        }
        // The chunk's lists, built by the lists' phase, or here.
        ImageOperand operand = Operand(work, shared, image, count, (nint)count * width, input, MinimumSkippedTaps, taskZeroMaps, _ownTaps,
            work.TapLists == 0 ? null : ChunkTapLists(work, shared, image, first) + TapListHeader);
        PlaceOrigins(operand, work, first, count);
        TileLists spatialLists = default, pointwiseLists = default;
        if (_ownTaps)
        {
            if (work.TapLists == 0) (spatialLists, pointwiseLists) = BuildOwnTaps(operand, count, firstPanel, lastPanel);
            else
            {
                var built = (TileLists*)ChunkTapLists(work, shared, image, first);
                (spatialLists, pointwiseLists) = (built[0], built[1]);
            }
            operand = operand.WithTaps(spatialLists.IsEmpty ? default : operand.SpatialTaps.WithRows(spatialLists.Rows),
                pointwiseLists.IsEmpty ? default : operand.PointwiseTaps.WithRows(pointwiseLists.Rows));
            if (spatialLists.IsEmpty && pointwiseLists.IsEmpty)
            {
                // No lists: the runs as without them (zero maps, border rows).
                operand = Operand(work, shared, image, count, (nint)count * width, input, MinimumSkippedTaps, taskZeroMaps);
                PlaceOrigins(operand, work, first, count);
            }
        }
        // Taps kept per output channel: every tile's own (and its taps in the padding, which count as executed, as below), or
        // the runs' for every position.
        long spatialKept = operand.SpatialTaps.IsEmpty ? (long)count * operand.Segments.TotalLength
            : spatialLists.Kept + (work.Interior ? 0 : PaddingTaps(work.Geometry, first, count, spatialLists.Rows));
        long pointwiseKept = operand.PointwiseTaps.IsEmpty ? (long)count * operand.PointwiseSegments.TotalLength : pointwiseLists.Kept;
        int c0 = firstPanel * _columns;
        int channels = Math.Min(_spec.OutputChannels, lastPanel * _columns) - c0;
        nint n = work.Geometry.OutputSize;
        BorderRows borders = operand.BorderRoom == null ? default : BorderRows.Find(_spec, work.Geometry, first, count);
        if (_spec.OutputLayout == MapLayout.Blocked && _columns % BlockedMaps.Block == 0)
            MultiplyIntoBlocks<TLane, TVec>(operand, image, first, count, firstPanel, lastPanel, output, n, residual, &borders);
        else
        {
            // The task's outputs, position-major: count rows of its panels' channels, then moved into the output.
            float* values = operand.Values;
            // A last panel whose second vector lies wholly past the last channel computes its first only (16 planar
            // outputs on AVX-512 were two vectors of work for one).
            bool narrowLast = lastPanel * _columns - _spec.OutputChannels >= TLane.Count;
            if (_spec.Group == 1)
                Multiply<TLane, TVec>(operand, count, firstPanel, lastPanel, values - (nint)firstPanel * _columns, width, narrowLast: narrowLast, borders: &borders);
            else
            {
                // Each group's panels on its own input channels and runs (whole panels a group: no narrow last one).
                for (int g = FirstGroup(firstPanel); g < EndGroup(lastPanel); g++)
                {
                    (int lo, int hi) = GroupPanels(g, firstPanel, lastPanel);
                    Multiply<TLane, TVec>(operand.ForGroup(g), count, lo, hi, values - (nint)firstPanel * _columns, width, borders: &borders);
                }
            }
            Store(work, values, width, image, first, count, c0, channels, output);
        }
        // The pointwise channels' MACs, executed and dense, are those of their 1x1 convolution. Border rows' taps in the
        // padding count as executed: MLAS leaves them out too, so leaving them out is no saving of DyVE's over it.
        int pointwise = Math.Clamp(_spec.PointwiseChannels - c0, 0, channels);
        long spatialOutputs = (long)(channels - pointwise) * count, pointwiseOutputs = (long)pointwise * count;
        // A lone last panel of one vector runs narrow tiles, which take the runs: all of K.
        int narrowChannels = _ownTaps && (lastPanel - firstPanel) % 2 == 1 && lastPanel * _columns - _spec.OutputChannels >= BlockedMaps.Block
            ? _spec.OutputChannels - (lastPanel - 1) * _columns : 0;
        long executed = _spec.Group == 1
            ? (channels - pointwise - narrowChannels) * spatialKept + narrowChannels * (long)count * operand.Segments.TotalLength + pointwise * pointwiseKept
            : GroupsExecuted(operand, count, firstPanel, lastPanel);
        counters.Add(executed, spatialOutputs * _spec.ReductionLength + pointwiseOutputs * _spec.InputChannels, spatialOutputs + pointwiseOutputs);
    }
}
