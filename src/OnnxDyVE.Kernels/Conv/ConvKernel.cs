using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Exact 2-D convolution as a GEMM per group: Y[m, n] = act(sum_k W[m, k] * im2col(X)[k, n] + b[m]).
/// Prepare (the constructor) packs the weights into tile panels once; a run chooses how the im2col operand
/// is read (<see cref="ConvAlgorithm"/>) and splits the output into independent tasks (image, group, column
/// chunk, row chunk) that the host schedules on its own threads.
/// </summary>
public sealed unsafe class ConvKernel
{
    /// <summary>Output columns per task: the packed im2col block (KBlock x ColumnChunk) stays in L2.</summary>
    private const int ColumnChunk = 256;

    /// <summary>
    /// Positions per task at most on position tiles: a pass's sums (positions x 64 channels) stay in L2 (256 KB). Each
    /// pass's weights serve every tile of a chunk, so where the weights outweigh the image one chunk takes a whole map
    /// (VGG's conv4_2, 784 positions: 0.943x -> 0.963x of ORT's Conv on one thread, where 256 cut it in four). Where panel
    /// ranges come first (below), chunks take up to twice as many (512 KB of sums, in L2 still), so that VGG's conv3 stage
    /// (3,136 positions) goes in two chunks; twice as many where chunks come first cost VGG's conv2_2 and SqueezeNet's conv1
    /// up to 10% at two threads (fewer chunks to share out), the same at one.
    /// </summary>
    private const int PositionChunk = 1024;

    /// <summary>
    /// Weights that stream from beyond L2 (1 MB) when each chunk of positions reads them all again: above it, tasks cut
    /// the panels first, as where the weights outweigh the image. VGG's conv3_1 and conv3_2 (1.2 MB and 2.4 MB of
    /// weights against 1.7 MB and 3.4 MB of image) in two chunks by four ranges of panels instead of eight chunks: 0.92x-0.94x
    /// -> 0.98x of ORT's Conv at one thread on Ice Lake (four chunks by two ranges 0.95x-0.97x); conv2_2's 0.6 MB fit in L2
    /// and lose where cut so (0.97x -> 0.94x).
    /// </summary>
    private const long StreamedWeightFloats = 256 * 1024;

    /// <summary>Tasks a run is cut into at least, when the shape allows, so two to eight threads stay busy.</summary>
    private const int MinimumTasks = 8;

    /// <summary>
    /// Fewest tile panels (of output channels) a row chunk keeps: every row chunk packs its own im2col block,
    /// so a chunk must have enough rows to pay for it.
    /// </summary>
    private const int MinimumPanelsPerRowChunk = 12;

    /// <summary>
    /// Largest run-wide buffer (64 MiB): an im2col buffer beyond it makes row chunks pack their own blocks, a
    /// padded input beyond it makes the run fall back to im2col.
    /// </summary>
    private const long MaximumSharedFloats = 16L << 20;

    /// <summary>Padded-input copy tasks a run is cut into at least, so every thread shares the copy.</summary>
    private const int MinimumCopyTasks = 8;

    /// <summary>Most input channels whose zero-map flags a task of <see cref="ConvWork.TaskCopies"/> keeps on its stack.</summary>
    private const int MaximumTaskCopyChannels = 4096;

    /// <summary>Padded taps' computed columns over outputs from which narrower paths choose position tiles at stride 1.</summary>
    private const double MinimumPaddedTapsWaste = 1.12;

    /// <summary>
    /// The shortest K for which AVX-512 takes position tiles at stride 1 where padded taps waste few columns: below it
    /// the few MACs per output do not pay for the trip through task scratch and the transposes.
    /// </summary>
    private const int MinimumPositionTileK = PanelLayout.KBlock;

    private readonly float[] _packedWeights;
    private readonly float[] _bias;
    private readonly int _panelsPerGroup;

    /// <summary>
    /// No weight is infinite or NaN, so a padded output that reads only zeros is exactly its bias (0 x inf would be
    /// NaN): a padded 1x1 convolution may then fill its border instead of computing it.
    /// </summary>
    private readonly bool _finiteWeights;

    /// <summary>The stride-1 convolution over phase planes that <see cref="ConvAlgorithm.PhasedTaps"/> runs, when worth it.</summary>
    private readonly ConvKernel? _phased;

    /// <summary>The weights packed for <see cref="ConvAlgorithm.PositionTiles"/> (and SDSS), where they apply.</summary>
    private readonly PositionTiles? _positionTiles;

    /// <summary>SDSS, when the spec asks for it and it applies.</summary>
    private readonly SampledConv? _sampled;

    /// <summary>SPET, when the spec asks for it and it applies.</summary>
    private readonly SpetConv? _spet;

    /// <summary>SFMA's weight sums, when the spec asks for it.</summary>
    private readonly SfmaFold? _sfma;

    /// <summary>SFMA's merged pairs, when the spec lists candidates.</summary>
    private readonly SfmaPairs? _pairs;

    /// <summary>The nonzero weights by output channel, where the weights are pruned and the spec exact (<see cref="ConvAlgorithm.SparseTaps"/>).</summary>
    private readonly SparseTaps? _sparse;

    /// <summary>
    /// Each position's nonzero inputs and the weights by input channel, for the tasks of <see cref="ConvAlgorithm.PositionTiles"/>
    /// runs of a 1 x 1 convolution whose samples say they pay (<see cref="PointwiseLists.TryRunTask"/>), where it applies.
    /// </summary>
    private readonly PointwiseLists? _pointwiseLists;

    /// <summary>The weights transformed for <see cref="ConvAlgorithm.Winograd"/>, where it applies.</summary>
    private readonly WinogradTiles? _winograd;

    /// <summary>The phased weights transformed for <see cref="ConvAlgorithm.PhasedWinograd"/>, where it applies.</summary>
    private readonly WinogradTiles? _phasedWinograd;

    public ConvSpec Spec { get; }
    public SimdPath Path { get; }

    /// <summary>Work done since the kernel was made (runs are counted by the caller).</summary>
    public KernelCounters Counters { get; } = new();
    /// <summary>Columns of a GEMM tile on this kernel's path.</summary>
    public int TileColumns { get; }

    /// <param name="spec">The convolution; validated here.</param>
    /// <param name="weights">M x C/group x kH x kW, row-major.</param>
    /// <param name="bias">M values, or empty for none.</param>
    /// <param name="path">The vector width to run with.</param>
    /// <param name="inputSize">
    /// The input maps' height and width where the model gives them (ONNX Runtime's shapes when the session is made), for
    /// choices that depend on them (<see cref="WinogradTiles.TileFor"/>); runs take any size all the same.
    /// </param>
    public ConvKernel(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path, (int Height, int Width)? inputSize = null)
    {
        spec.Validate();
        if (weights.Length != spec.WeightCount)
            throw new ArgumentException($"weights hold {weights.Length} values, the convolution needs {spec.WeightCount} (M {spec.OutputChannels} x C/group {spec.InputChannelsPerGroup} x {spec.KernelHeight} x {spec.KernelWidth})");
        if (!bias.IsEmpty && bias.Length != spec.OutputChannels)
            throw new ArgumentException($"bias holds {bias.Length} values, the convolution has {spec.OutputChannels} output channels");

        if (spec.PointwiseChannels > 0) CheckPointwiseWeights(spec, weights);
        Spec = spec;
        Path = path;
        _finiteWeights = !weights.ContainsAnyExceptInRange(float.MinValue, float.MaxValue);
        TileColumns = PanelLayout.Columns(path);
        _panelsPerGroup = PanelLayout.CeilDiv(spec.OutputChannelsPerGroup, PanelLayout.Rows);
        int k = spec.ReductionLength;
        _packedWeights = GC.AllocateUninitializedArray<float>(checked(spec.Group * _panelsPerGroup * PanelLayout.Rows * k), pinned: true);
        // Zeros where the spec has no bias, so the tiles finish in their plain epilogue (as PositionTiles' bias).
        _bias = GC.AllocateArray<float>(spec.OutputChannels, pinned: true);
        bias.CopyTo(_bias);
        fixed (float* w = weights)
        fixed (float* packed = _packedWeights)
        {
            for (int g = 0; g < spec.Group; g++)
            {
                float* groupWeights = w + (nint)g * spec.OutputChannelsPerGroup * k;
                float* groupPanels = packed + (nint)g * _panelsPerGroup * PanelLayout.Rows * k;
                PanelLayout.PackRows(groupWeights, k, 1, spec.OutputChannelsPerGroup, k, 1f, groupPanels);
            }
        }
        if (PhaseSplit.IsWorthIt(spec))
            _phased = new ConvKernel(PhaseSplit.PhasedSpec(spec), PhaseSplit.PhasedWeights(spec, weights), bias, path);
        // A second packing of the weights, only where position tiles may run: spatial kernels (PositionTilesPay), blocked
        // maps and SDSS.
        bool spatial = spec.KernelHeight * spec.KernelWidth > 1;
        if (PositionTiles.Applies(spec) && (spec.IsBlocked || SampledConv.Applies(spec) || spatial || PositionTiles.CopiesPlanarIntoBlocks(spec)))
            _positionTiles = new PositionTiles(spec, weights, bias, path);
        if (SampledConv.Applies(spec))
            _sampled = new SampledConv(_positionTiles!, Counters);
        if (SpetConv.Applies(spec))
            _spet = new SpetConv(spec, weights, bias, path, Counters);
        if (spec.SfmaDelta > 0)
            _sfma = new SfmaFold(spec, weights);
        if (spec.SfmaPairCount > 0)
            _pairs = new SfmaPairs(spec, weights);
        _sparse = SparseTaps.TryCreate(spec, weights, bias, path);
        if (_positionTiles is not null && _finiteWeights && PointwiseLists.Applies(spec, path))
            _pointwiseLists = new PointwiseLists(spec, weights, bias);
        (int Height, int Width)? outputSize = OutputSize(spec, inputSize);
        if (WinogradTiles.Applies(spec, path, outputSize))
            _winograd = new WinogradTiles(spec, weights, bias, WinogradTiles.TileFor(spec, outputSize));
        else if (PhasedTileSpec(spec) is { } phasedTiles && WinogradTiles.Applies(phasedTiles, path))
            _phasedWinograd = new WinogradTiles(phasedTiles, PhaseSplit.PhasedWeights(spec, weights), bias,
                WinogradTiles.TileFor(phasedTiles, outputSize), spec.ReductionLength);
    }

    /// <summary>
    /// The stride-1 convolution over the phase planes of a strided one that <see cref="ConvAlgorithm.PhasedWinograd"/>'s
    /// tiles would run (the spec's mechanisms and output layout kept, so <see cref="WinogradTiles.Applies"/> judges them),
    /// or null where the split is not worth it (<see cref="PhaseSplit.IsWorthIt"/>), the input is not planar (the split
    /// reads planar maps) or a residual is added.
    /// </summary>
    private static ConvSpec? PhasedTileSpec(ConvSpec spec)
    {
        if (!PhaseSplit.IsWorthIt(spec) || spec.InputLayout != MapLayout.Planar || spec.Residual || spec.AutoPad != AutoPad.NotSet) return null;
        ConvSpec phased = PhaseSplit.PhasedSpec(spec);
        return spec with
        {
            InputChannels = phased.InputChannels, KernelHeight = phased.KernelHeight, KernelWidth = phased.KernelWidth,
            StrideHeight = 1, StrideWidth = 1, PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0,
        };
    }

    /// <summary>
    /// The output maps on <paramref name="inputSize"/> (<see cref="ConvSpec.Geometry"/>: ONNX Runtime's shape inference has
    /// already checked the session's shapes against the spec), or null where the size is not known.
    /// </summary>
    private static (int Height, int Width)? OutputSize(ConvSpec spec, (int Height, int Width)? inputSize) =>
        inputSize is { Height: > 0, Width: > 0 } size && spec.Geometry(size.Height, size.Width) is var geometry
            ? (geometry.OutputHeight, geometry.OutputWidth)
            : null;

    /// <summary>The pointwise channels' weights off the centre tap are zero: they are never multiplied.</summary>
    private static void CheckPointwiseWeights(ConvSpec spec, ReadOnlySpan<float> weights)
    {
        int taps = spec.KernelHeight * spec.KernelWidth;
        for (int m = 0; m < spec.PointwiseChannels; m++)
            for (int c = 0; c < spec.InputChannels; c++)
                for (int tap = 0; tap < taps; tap++)
                {
                    float w = weights[(m * spec.InputChannels + c) * taps + tap];
                    if (tap != spec.CentreTap && w != 0)
                        throw new ArgumentException($"pointwise_channels {spec.PointwiseChannels}: W[{m}, {c}, {tap / spec.KernelWidth}, {tap % spec.KernelWidth}] is {w}, "
                            + "but a pointwise channel's weights off the kernel's centre must be zero");
                }
    }

    /// <summary>
    /// Checks an input shape against the kernel and lays out a run over it; throws <see cref="ArgumentException"/>
    /// naming the mismatch.
    /// </summary>
    /// <param name="algorithm">Force an algorithm (tests, benchmarks); by default the fastest that applies.</param>
    /// <param name="effort">
    /// In [0, 1]: scales every approximate mechanism's threshold (<see cref="ConvSpec.SdssDelta"/>,
    /// <see cref="ConvSpec.SpetDelta"/>, <see cref="ConvSpec.SfmaDelta"/>); 0 runs the convolution exactly (with exact
    /// SPET where SPET is on).
    /// </param>
    /// <param name="parallel">
    /// Whether the host runs the tasks on several threads (where not, Winograd's tiles keep one image of one chunk whole,
    /// and position tiles cut an image into chunks only where the caches want them).
    /// </param>
    public ConvWork Plan(int batch, int channels, int height, int width, ConvAlgorithm? algorithm = null, float effort = 0, bool parallel = true)
    {
        if (batch <= 0) throw new ArgumentException($"batch must be positive, got {batch}");
        if (!(effort >= 0 && effort <= 1)) throw new ArgumentException($"effort must be in [0, 1], got {effort}");
        if (channels != Spec.InputChannels)
            throw new ArgumentException($"input has {channels} channels, the weights expect {Spec.InputChannels} ({Spec.InputChannelsPerGroup} per group x group {Spec.Group})");
        ConvGeometry geometry = Spec.Geometry(height, width);
        if (algorithm is null or ConvAlgorithm.SparseTaps && Supports(ConvAlgorithm.SparseTaps, batch, geometry))
            return PlanSparseTaps(batch, geometry);
        if (algorithm == ConvAlgorithm.SparseTaps)
            throw new ArgumentException($"{ConvAlgorithm.SparseTaps} does not apply to {Spec} on a {height} x {width} input");
        // Winograd's tiles wherever they apply (an exact spec), on either layout.
        if (algorithm is null or ConvAlgorithm.Winograd && Supports(ConvAlgorithm.Winograd, batch, geometry))
            return PlanWinograd(batch, geometry, parallel);
        if (algorithm == ConvAlgorithm.Winograd)
            throw new ArgumentException($"{ConvAlgorithm.Winograd} does not apply to {Spec} on a {height} x {width} input");
        if (algorithm is null or ConvAlgorithm.PhasedWinograd && Supports(ConvAlgorithm.PhasedWinograd, batch, geometry))
            return PlanWinograd(batch, PhasedGeometry(geometry), parallel, ConvAlgorithm.PhasedWinograd) with { Source = geometry };
        if (algorithm == ConvAlgorithm.PhasedWinograd)
            throw new ArgumentException($"{ConvAlgorithm.PhasedWinograd} does not apply to {Spec} on a {height} x {width} input");
        if (Spec.IsBlocked)
        {
            // Blocked maps are otherwise read and written by position tiles (exact: the spec has no approximate mechanism).
            if (algorithm is not (null or ConvAlgorithm.PositionTiles) || !Supports(ConvAlgorithm.PositionTiles, batch, geometry))
                throw new ArgumentException($"{algorithm ?? ConvAlgorithm.PositionTiles} does not apply to {Spec} (blocked maps) on a {height} x {width} input");
            return PlanPositionTiles(batch, geometry, parallel, pointwiseLists: algorithm is null);
        }
        if (algorithm is null or ConvAlgorithm.Sampled && effort > 0 && TryPlanSampled(batch, geometry, effort) is { } sampled)
            return sampled;
        if (algorithm == ConvAlgorithm.Sampled)
            throw new ArgumentException($"SDSS does not apply to {Spec} on a {height} x {width} input at effort {effort}");
        if (algorithm is null or ConvAlgorithm.Spet && TryPlanSpet(batch, geometry, effort) is { } spet)
            return spet;
        if (algorithm == ConvAlgorithm.Spet)
            throw new ArgumentException($"SPET does not apply to {Spec} on a {height} x {width} input");
        // SFMA's threshold: it folds maps only where the input is copied (PaddedTaps), where the copy finds them.
        float sfmaThreshold = _sfma is null ? 0 : Spec.SfmaDelta * Spec.InputScale * effort;
        ConvAlgorithm best = ChooseAlgorithm(batch, geometry, parallel, sfma: sfmaThreshold > 0);
        if (algorithm is { } forced && forced != best && !Supports(forced, batch, geometry))
            throw new ArgumentException($"{forced} does not apply to {Spec} on a {height} x {width} input");
        algorithm ??= best;
        if (algorithm == ConvAlgorithm.PhasedTaps)
        {
            // The phased kernel's own plan, with this kernel's phase split as its copy phase.
            (int planeHeight, int planeWidth) = PhaseSplit.PlaneSize(Spec, geometry);
            ConvWork phased = _phased!.Plan(batch, _phased.Spec.InputChannels, planeHeight, planeWidth, ConvAlgorithm.PaddedTaps);
            return phased with { Algorithm = ConvAlgorithm.PhasedTaps, PackTaskCount = batch * CopyTasksPerImage(batch, ConvAlgorithm.PhasedTaps), Source = geometry };
        }
        if (algorithm == ConvAlgorithm.PositionTiles) return PlanPositionTiles(batch, geometry, parallel);
        (int pitch, int n) = algorithm.Value switch
        {
            ConvAlgorithm.PaddedTaps => ((int)geometry.PaddedWidth, PaddedTaps.Columns(geometry)),
            // A padded 1x1 convolution computes its interior, the input's positions.
            ConvAlgorithm.Pointwise => (geometry.InputWidth, geometry.InputSize),
            _ => (geometry.OutputWidth, geometry.OutputSize),
        };
        int k = Spec.ReductionLength;
        int columnChunk = Math.Min(PanelLayout.CeilDiv(n, TileColumns) * TileColumns, ColumnChunk / TileColumns * TileColumns);
        int columnChunks = PanelLayout.CeilDiv(n, columnChunk);
        int outer = batch * Spec.Group * columnChunks;
        // Few column chunks (late layers: small maps, many channels): cut the output channels too.
        // A power of two, so the tasks split evenly over two, four or eight threads.
        int rowChunks = Math.Min(PanelLayout.CeilDiv(MinimumTasks, outer), _panelsPerGroup / MinimumPanelsPerRowChunk);
        rowChunks = rowChunks <= 1 ? 1 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)rowChunks + 1) / 2;
        int panelsPerRowChunk = PanelLayout.CeilDiv(_panelsPerGroup, rowChunks);
        rowChunks = PanelLayout.CeilDiv(_panelsPerGroup, panelsPerRowChunk);
        int kBlocks = PanelLayout.CeilDiv(k, PanelLayout.KBlock);

        (int packTasks, long sharedFloats, long zeroMapFlags) = (0, 0, 0);
        SfmaLayout sfma = default;
        if (algorithm == ConvAlgorithm.PaddedTaps)
        {
            packTasks = batch * CopyTasksPerImage(batch, ConvAlgorithm.PaddedTaps);
            (sharedFloats, zeroMapFlags) = PaddedCopy(batch, geometry, ConvAlgorithm.PaddedTaps, flags: sfmaThreshold > 0);
            if (sfmaThreshold > 0)
            {
                sfma = new SfmaLayout(sfmaThreshold, sharedFloats, _pairs is null ? 0 : sharedFloats + (long)batch * Spec.InputChannels);
                sharedFloats += (long)batch * Spec.InputChannels + PanelLayout.CeilDiv(batch * Spec.SfmaPairCount, sizeof(float));
            }
        }
        else if (algorithm == ConvAlgorithm.Im2Col && rowChunks > 1 && (long)outer * k * columnChunk <= MaximumSharedFloats)
        {
            // Row chunks of one column chunk need the same im2col block: pack it once, in a first parallel
            // phase, rather than once per row chunk.
            packTasks = outer * kBlocks;
            sharedFloats = (long)outer * k * columnChunk;
        }
        return new ConvWork(algorithm.Value, batch, geometry, pitch, n, columnChunk, columnChunks, panelsPerRowChunk,
            rowChunks, kBlocks, outer, packTasks, sharedFloats, geometry, zeroMapFlags, Sfma: sfma);
    }

    /// <summary>
    /// A <see cref="ConvAlgorithm.PositionTiles"/> run: the padded copy, then tasks of (image, chunk of positions,
    /// range of channel panels), at least <see cref="MinimumTasks"/> of them where the shape allows.
    /// </summary>
    /// <param name="pointwiseLists">
    /// Whether the tasks may run over their positions' lists of nonzero inputs (<see cref="ConvWork.PointwiseLists"/>), where
    /// the kernel has them: the kernel's own choice; position tiles forced (tests, benchmarks) run as such.
    /// </param>
    private ConvWork PlanPositionTiles(int batch, in ConvGeometry geometry, bool parallel, bool pointwiseLists = false)
    {
        // A padded 1x1 convolution into planar maps computes its interior only, from the input in place (SqueezeNet's
        // conv10: 169 of 225 positions), where the weights are finite (0 x inf is NaN at the border in the dense product).
        bool interior = Spec.KernelHeight * Spec.KernelWidth == 1 && Spec.StrideHeight == 1 && Spec.StrideWidth == 1
            && geometry.HasPadding && _finiteWeights && Spec.OutputLayout == MapLayout.Planar && _positionTiles!.ReadsBlocked;
        int n = interior ? geometry.InputSize : geometry.OutputSize;
        int panels = _positionTiles!.PaddedChannels / TileColumns;
        // Every chunk of positions streams all the weights of its panels, every range of panels reads the whole image.
        // Where the weights outweigh the image (late layers: conv10's 2 MB against 0.35 MB, fire9's 3x3 expand 0.6 MB
        // against 0.06 MB) or stream from beyond L2, panel ranges come first and the weights leave memory once or twice;
        // elsewhere position chunks.
        long weightFloats = (long)Spec.ReductionLength * _positionTiles.PaddedChannels;
        long imageFloats = (long)Spec.InputChannels * geometry.PaddedHeight * geometry.PaddedWidth;
        int panelUnits = Path == SimdPath.Vector512 ? PanelLayout.CeilDiv(panels, 2) : panels;
        // Where each position's lists may run the tasks (PointwiseLists), no ranges of panels (each would build every list
        // again): chunks of positions only, fewer tasks on small maps.
        bool positionLists = pointwiseLists && _pointwiseLists is not null && (interior || !geometry.HasPadding);
        bool panelsFirst = !positionLists && (weightFloats > imageFloats || weightFloats > StreamedWeightFloats);
        // One thread: chunks of positions only as large as the caches want (PositionChunk), none for threads; panel ranges
        // stay where the weights come first, for the caches too. In the network against the parallel plans (one process,
        // Ice Lake, 1 thread): ResNet18 1.8%-3.4% faster, SqueezeNet 1.8%, VGG-16 1%; cutting the ranges too cost VGG's
        // 512-channel layers 2%-4%.
        int perImage = parallel || panelsFirst ? PanelLayout.CeilDiv(MinimumTasks, batch) : 1;
        int wantedChunks = panelsFirst ? PanelLayout.CeilDiv(perImage, Math.Min(panelUnits, perImage)) : perImage;
        // Position chunks of whole tiles, at most PositionChunk positions; then panel ranges for the tasks still missing.
        int maximumChunk = (panelsFirst ? 2 * PositionChunk : PositionChunk) / PanelLayout.Rows * PanelLayout.Rows;
        int chunk = Math.Min(PanelLayout.CeilDiv(PanelLayout.CeilDiv(n, wantedChunks), PanelLayout.Rows) * PanelLayout.Rows, maximumChunk);
        int chunks = PanelLayout.CeilDiv(n, chunk);
        int ranges = positionLists ? 1 : Math.Min(panels, PanelLayout.CeilDiv(perImage, chunks));
        int panelsPerRange = PanelLayout.CeilDiv(panels, ranges);
        // Whole pairs of panels per range where tiles take two at once (AVX-512), so no range leaves one alone.
        if (Path == SimdPath.Vector512) panelsPerRange += panelsPerRange & 1;
        ranges = PanelLayout.CeilDiv(panels, panelsPerRange);
        // Blocked maps with no padding are read in place: no copy, and no zero maps found on the way. An interior run copies
        // planar maps into unpadded blocked ones.
        bool inPlace = (interior && !_positionTiles.PlanarIntoBlocks) || _positionTiles.ReadsInPlace(geometry);
        ConvGeometry copied = interior ? Unpadded(geometry) : geometry;
        (long sharedFloats, long zeroMapFlags) = inPlace ? (0, 0) : PaddedCopy(batch, copied, ConvAlgorithm.PositionTiles);
        // An interior run reading blocked maps in place has a first phase that only flags zero maps (the flags after one
        // unused line: 0 means none).
        bool flagsOnly = interior && Spec.SkipZeroMaps && inPlace;
        if (flagsOnly) (sharedFloats, zeroMapFlags) = (TileColumns + PanelLayout.CeilDiv(batch * Spec.InputChannels, sizeof(float)), TileColumns);
        // Where each chunk of positions is one task, the task copies the rows it reads itself (TaskCopies), unless some
        // output row reads padding only (its task would find every map zero and leave out padding taps as if skipped).
        int kernelRows = (Spec.KernelHeight - 1) * Spec.DilationHeight + 1;
        bool taskCopies = !inPlace && Spec.InputLayout == MapLayout.Blocked && ranges == 1 && Spec.InputChannels <= MaximumTaskCopyChannels
            && kernelRows > Math.Max(Spec.PadTop, Spec.PadBottom);
        if (taskCopies) (sharedFloats, zeroMapFlags) = (PaddedInputFloats(batch, geometry, ConvAlgorithm.PositionTiles), 0);
        // Tiles' lists of live taps shared by a chunk's ranges of panels, built in a phase of their own (with one range, its
        // task builds them).
        long tapLists = 0;
        if (_positionTiles.OwnTaps && ranges > 1)
        {
            tapLists = Math.Max(TileColumns, (sharedFloats + 15) & ~15L);
            sharedFloats = tapLists + (long)batch * chunks * _positionTiles.TapListFloats(chunk);
        }
        return new ConvWork(ConvAlgorithm.PositionTiles, batch, geometry, (int)geometry.PaddedWidth, n, chunk, chunks, panelsPerRange, ranges,
            PanelLayout.CeilDiv(Spec.ReductionLength, PanelLayout.KBlock), batch * chunks, (inPlace && !flagsOnly) || taskCopies ? 0 : batch * CopyTasksPerImage(batch, ConvAlgorithm.PositionTiles),
            sharedFloats, geometry, zeroMapFlags, Interior: interior, TaskCopies: taskCopies, TapLists: tapLists, PointwiseLists: positionLists);
    }

    /// <summary>
    /// A <see cref="ConvAlgorithm.Winograd"/> run: the padded blocked copy (none for blocked maps that need no padding and
    /// fill whole tiles), then tasks of (image, chunk of tile rows, range of 64-channel panels). Ranges only where the chunks are too few for two threads: each range
    /// transforms its chunk's patches again (a fused fire module's pointwise panels need none); where there is one panel
    /// (cifar10's 32 and 64 channels), two chunks instead. Neither where the host runs one thread: cifar10's conv2 and conv3
    /// alone (Ice Lake, 1 thread) 37.4-40.4 and 28.4-30.5 us in one chunk against 46.4-51.1 and 38.6-38.9 in two.
    /// </summary>
    private ConvWork PlanWinograd(int batch, in ConvGeometry geometry, bool parallel, ConvAlgorithm algorithm = ConvAlgorithm.Winograd)
    {
        WinogradTiles tiles = Tiles(algorithm);
        ConvGeometry patches = tiles.PatchGeometry(geometry);
        int tilesX = patches.OutputWidth / tiles.Tile, tilesY = patches.OutputHeight / tiles.Tile;
        int panels = tiles.Panels;
        // Chunks of about the rows the size allows (rounded to the nearest count: SqueezeNet's fire6, 7 rows of tiles where
        // 5 are allowed, in one chunk, not two that read its weights twice), evened out: two threads share 28 rows as 14
        // and 14, not 18 and 10.
        int rows = tiles.ChunkRows(geometry);
        int chunks = Math.Max(1, (2 * tilesY + rows) / (2 * rows));
        if (parallel && batch * chunks == 1 && panels == 1) chunks = Math.Min(2, tilesY);
        int chunkRows = PanelLayout.CeilDiv(tilesY, chunks);
        int ranges = !parallel || batch * chunks >= 2 ? 1 : Math.Min(panels, 2);
        int panelsPerRange = PanelLayout.CeilDiv(panels, ranges);
        ranges = PanelLayout.CeilDiv(panels, panelsPerRange);
        bool inPlace = algorithm == ConvAlgorithm.Winograd && Spec.InputLayout == MapLayout.Blocked && !patches.HasPadding;
        return new ConvWork(algorithm, batch, geometry, tilesX, tilesX * tilesY, chunkRows * tilesX, chunks, panelsPerRange, ranges, 0,
            batch * chunks, inPlace ? 0 : batch * CopyTasksPerImage(batch, algorithm),
            inPlace ? 0 : PaddedInputFloats(batch, geometry, algorithm), geometry);
    }

    /// <summary>The tiles <paramref name="algorithm"/> (Winograd's, on the input or on its phase planes) runs.</summary>
    private WinogradTiles Tiles(ConvAlgorithm algorithm) => algorithm == ConvAlgorithm.PhasedWinograd ? _phasedWinograd! : _winograd!;

    /// <summary>The stride-1 geometry over the phase planes (<see cref="PhaseSplit.PlaneSize"/>): no padding, the same outputs.</summary>
    private ConvGeometry PhasedGeometry(in ConvGeometry geometry)
    {
        (int height, int width) = PhaseSplit.PlaneSize(Spec, geometry);
        return new ConvGeometry(height, width, geometry.OutputHeight, geometry.OutputWidth, 0, 0, 0, 0);
    }

    /// <summary>A <see cref="ConvAlgorithm.SparseTaps"/> run: the aligned copies, then tasks of (image, chunk of positions).</summary>
    private ConvWork PlanSparseTaps(int batch, in ConvGeometry geometry)
    {
        int pitch = (int)SparseTaps.Pitch(geometry), positions = geometry.OutputHeight * pitch;
        (int chunk, int chunks) = _sparse!.Tasks(batch, positions, MinimumTasks);
        return new ConvWork(ConvAlgorithm.SparseTaps, batch, geometry, pitch, positions, chunk, chunks, 0, 1, 0, batch * chunks,
            batch * CopyTasksPerImage(batch, ConvAlgorithm.SparseTaps), _sparse.SharedFloats(batch, geometry), geometry);
    }

    /// <summary>The geometry of a copy without padding (an interior run's).</summary>
    private static ConvGeometry Unpadded(in ConvGeometry geometry) => geometry with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 };

    /// <summary>
    /// The run-wide buffer of a padded copy: the padded images, then (skipping zero maps, or with <paramref name="flags"/>
    /// for SFMA) a flag per (image, input channel).
    /// </summary>
    private (long SharedFloats, long ZeroMapFlags) PaddedCopy(int batch, in ConvGeometry geometry, ConvAlgorithm algorithm, bool flags = false)
    {
        long sharedFloats = PaddedInputFloats(batch, geometry, algorithm);
        if (!Spec.SkipZeroMaps && !flags) return (sharedFloats, 0);
        return (sharedFloats + PanelLayout.CeilDiv(batch * Spec.InputChannels, sizeof(float)), sharedFloats);
    }

    /// <summary>An SDSS run over the padded input, or null when SDSS is off or its buffers would be too large.</summary>
    private ConvWork? TryPlanSampled(int batch, in ConvGeometry geometry, float effort)
    {
        if (_sampled is null || !Supports(ConvAlgorithm.PaddedTaps, batch, geometry)) return null;
        (long sharedFloats, long zeroMapFlags) = PaddedCopy(batch, geometry, ConvAlgorithm.Sampled);
        float threshold = Spec.SdssDelta * Spec.ActivationScale * effort;
        SampledLayout layout = _sampled.Layout(batch, geometry, threshold, sharedFloats, out sharedFloats);
        if (sharedFloats > MaximumSharedFloats) return null;
        return new ConvWork(ConvAlgorithm.Sampled, batch, geometry, (int)geometry.PaddedWidth, geometry.OutputSize, 0, 0, 0, 0, 0,
            batch, batch * CopyTasksPerImage(batch, ConvAlgorithm.Sampled), sharedFloats, geometry, zeroMapFlags, layout);
    }

    /// <summary>An SPET run over the padded input, or null when SPET is off or its buffers would be too large.</summary>
    private ConvWork? TryPlanSpet(int batch, in ConvGeometry geometry, float effort)
    {
        if (_spet is null || !Supports(ConvAlgorithm.PaddedTaps, batch, geometry)) return null;
        (long sharedFloats, long zeroMapFlags) = PaddedCopy(batch, geometry, ConvAlgorithm.Spet);
        var (chunk, chunks, panelsPerRange, ranges, layout, shared) = _spet.Layout(batch, geometry, effort * Spec.SpetDelta, sharedFloats);
        if (shared > MaximumSharedFloats) return null;
        return new ConvWork(ConvAlgorithm.Spet, batch, geometry, (int)geometry.PaddedWidth, PaddedTaps.Columns(geometry), chunk, chunks,
            panelsPerRange, ranges, 0, batch * chunks, batch * CopyTasksPerImage(batch, ConvAlgorithm.Spet), shared, geometry, zeroMapFlags, Spet: layout);
    }

    /// <remarks>
    /// Strided spatial convolutions of one group run on position tiles, which step through the input by the stride
    /// and multiply no padding taps: SqueezeNet's 7x7/2 conv1 measured 1.12x faster than on phase planes (thread CPU
    /// time, single-threaded, interleaved), whose kernel rounds up to whole phases (147 taps become 192). Where
    /// Winograd's tiles apply to the phase planes (<see cref="ConvAlgorithm.PhasedWinograd"/>), <see cref="Plan"/> takes
    /// them before any of these.
    /// </remarks>
    /// <param name="sfma">
    /// SFMA folds maps at this run: 1x1 convolutions then run on the padded copy too, whose one pass over the input
    /// (against M multiply-adds per input value) is what finds the maps to fold.
    /// </param>
    private ConvAlgorithm ChooseAlgorithm(int batch, in ConvGeometry geometry, bool parallel, bool sfma = false) =>
        !sfma && _positionTiles is { PlanarIntoBlocks: true } && PlanarBlocksPay(geometry, parallel) && Supports(ConvAlgorithm.PositionTiles, batch, geometry) ? ConvAlgorithm.PositionTiles
        : !sfma && Supports(ConvAlgorithm.Pointwise, batch, geometry) ? ConvAlgorithm.Pointwise
        : !sfma && PositionTilesPay(batch, geometry) ? ConvAlgorithm.PositionTiles
        : Supports(ConvAlgorithm.PaddedTaps, batch, geometry) ? ConvAlgorithm.PaddedTaps
        : Supports(ConvAlgorithm.PositionTiles, batch, geometry) ? ConvAlgorithm.PositionTiles
        : Supports(ConvAlgorithm.PhasedTaps, batch, geometry) ? ConvAlgorithm.PhasedTaps
        : ConvAlgorithm.Im2Col;

    /// <summary>
    /// Whether a kernel that copies planar maps into blocks (<see cref="PositionTiles.CopiesPlanarIntoBlocks"/>) should on
    /// <paramref name="geometry"/>: a spatial kernel always; a 1x1 one with a K and outputs of
    /// <see cref="PositionTiles.PlanarIntoBlocksChannels"/> or more (conv10's 512 -> 1000 on 13 x 13, 1.14x faster so), or
    /// run by one thread on maps of at least <see cref="PlanarBlocksPositions"/> positions. On fewer positions with a short
    /// K the copy and the transpose cost more than the unaligned rows (fire9's expand, 64 -> 256 on 13 x 13: 0.92x of the
    /// pointwise product's speed); on two threads they did on every expand (SqueezeNet's of 128 to 256 outputs on
    /// 27 x 27 and 55 x 55, one-node layers against ONNX Runtime: 0.80x-0.92x of its speed, 1.00x-1.31x as products).
    /// </summary>
    private bool PlanarBlocksPay(in ConvGeometry geometry, bool parallel) => Spec.KernelHeight * Spec.KernelWidth > 1
        || (Spec.InputChannels >= PositionTiles.PlanarIntoBlocksChannels && Spec.OutputChannels >= PositionTiles.PlanarIntoBlocksChannels)
        || (!parallel && geometry.OutputSize >= PlanarBlocksPositions);

    /// <summary>Positions from which a planar 1x1 convolution copied into blocks pays whatever its K (27 x 27's 729 do).</summary>
    private const int PlanarBlocksPositions = 512;

    /// <summary>
    /// Whether position tiles beat padded taps at a stride of 1. They compute no padded-width columns (a 13 x 13 map:
    /// 224 columns for 169 outputs on padded taps, cifar10_quick's 16 x 16 with a 5 x 5 kernel 320 for 256), and on
    /// AVX-512 they run six positions against 64 output channels (24 accumulators, MLAS's shape). Measured interleaved
    /// in one process against padded taps: with Vector512 1.03x-1.12x faster from 27 x 27 to 224 x 224 with K 576 to
    /// 2304, and (since the tiles step through K in passes with their sums in registers) 1.18x-1.42x with K 3456 and 4608
    /// (VGG's conv4_2 and conv5_1, AlexNet's conv4, 13 x 13 to 28 x 28; planar maps in and out, kernel alone); with Vector256
    /// 1.12x-1.32x where padded taps would compute at least 12% more columns than outputs (1.12x-1.28x with K 3456 and
    /// 4608 on 13 x 13 and 14 x 14), 0.96x-1.08x elsewhere, so only there. A K
    /// below 128 where padded taps waste little was theirs on AVX-512 where two 512-bit FMAs retire a cycle (Ice Lake):
    /// 1.13x-1.32x faster than position tiles for K 27-108 on 112 x 112 and 224 x 224 (VGG's conv1_1), warm or with the
    /// caches flushed; from K 144 on 55 x 55 position tiles are as fast or faster (1.00x-1.17x). Where one does
    /// (<see cref="WideFmaRate"/>: Zen 4) position tiles are faster at every K: K 27 on 224 x 224 and 112 x 112 1.58x
    /// (VGG's conv1_1 2.65 ms against 4.20, ONNX Runtime's 3.48), K 72 on 56 x 56 1.18x (kernel alone, 1 thread).
    /// </summary>
    private bool PositionTilesPay(int batch, in ConvGeometry geometry)
    {
        if (Spec.StrideHeight != 1 || Spec.StrideWidth != 1 || Spec.KernelHeight * Spec.KernelWidth == 1
            || !Supports(ConvAlgorithm.PositionTiles, batch, geometry)) return false;
        long computed = (long)PanelLayout.CeilDiv(PaddedTaps.Columns(geometry), TileColumns) * TileColumns;
        bool paddedTapsWasteful = computed >= MinimumPaddedTapsWaste * geometry.OutputSize;
        return Path == SimdPath.Vector512
            ? WideFmaRate.PerCycle == 1 || Spec.ReductionLength >= MinimumPositionTileK || paddedTapsWasteful
            : paddedTapsWasteful;
    }

    /// <summary>Whether position tiles copy this convolution's planar input into blocked maps (<see cref="PositionTiles.CopiesPlanarIntoBlocks"/>).</summary>
    public bool CopiesPlanarIntoBlocks => _positionTiles is { PlanarIntoBlocks: true };

    /// <summary>Whether <paramref name="algorithm"/> can run this convolution on a batch of height x width inputs.</summary>
    public bool Supports(ConvAlgorithm algorithm, int batch, int height, int width) =>
        Supports(algorithm, batch, Spec.Geometry(height, width));

    private bool Supports(ConvAlgorithm algorithm, int batch, in ConvGeometry geometry)
    {
        // Blocked maps are read and written by these only (Plan refuses the rest).
        if (Spec.IsBlocked && algorithm is not (ConvAlgorithm.PositionTiles or ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd or ConvAlgorithm.SparseTaps)) return false;
        bool unitStride = Spec.StrideHeight == 1 && Spec.StrideWidth == 1;
        return algorithm switch
        {
            ConvAlgorithm.Pointwise => unitStride && Spec.KernelHeight == 1 && Spec.KernelWidth == 1 && (!geometry.HasPadding || _finiteWeights),
            ConvAlgorithm.PaddedTaps => unitStride && PaddedInputFloats(batch, geometry, algorithm) <= MaximumSharedFloats,
            ConvAlgorithm.PhasedTaps => _phased is not null && PhasedInputFloats(batch, geometry) <= MaximumSharedFloats,
            ConvAlgorithm.Sampled => _sampled is not null && Supports(ConvAlgorithm.PaddedTaps, batch, geometry),
            ConvAlgorithm.Spet => _spet is not null && Supports(ConvAlgorithm.PaddedTaps, batch, geometry),
            ConvAlgorithm.PositionTiles => _positionTiles is not null && PaddedInputFloats(batch, geometry, algorithm) <= MaximumSharedFloats,
            ConvAlgorithm.SparseTaps => _sparse is not null && _sparse.SharedFloats(batch, geometry) <= MaximumSharedFloats && _sparse.For(geometry) is not null,
            ConvAlgorithm.Winograd => _winograd is not null && PaddedInputFloats(batch, geometry, algorithm) <= MaximumSharedFloats,
            ConvAlgorithm.PhasedWinograd => _phasedWinograd is not null && PaddedInputFloats(batch, PhasedGeometry(geometry), algorithm) <= MaximumSharedFloats,
            _ => true,
        };
    }

    /// <summary>The padded copy of every image.</summary>
    private long PaddedInputFloats(int batch, in ConvGeometry geometry, ConvAlgorithm algorithm)
    {
        ConvGeometry copied = CopiedGeometry(geometry, algorithm);
        int channels = CopiedChannels(algorithm);
        return PlanesFloats(batch, ReadsBlocked(algorithm) ? BlockedMaps.Blocks(channels) * BlockedMaps.Block : channels, copied.PaddedHeight, copied.PaddedWidth);
    }

    /// <summary>Channels of the copy: the input's, or its phase planes' (<see cref="ConvAlgorithm.PhasedWinograd"/>: C x sh x sw).</summary>
    private int CopiedChannels(ConvAlgorithm algorithm) =>
        algorithm == ConvAlgorithm.PhasedWinograd ? Spec.InputChannels * Spec.StrideHeight * Spec.StrideWidth : Spec.InputChannels;

    /// <summary>The geometry of the padded copy: Winograd's whole tiles (<see cref="WinogradTiles.PatchGeometry"/>), else the run's own.</summary>
    private ConvGeometry CopiedGeometry(in ConvGeometry geometry, ConvAlgorithm algorithm) =>
        algorithm is ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd ? Tiles(algorithm).PatchGeometry(geometry) : geometry;

    /// <summary>The phase planes of every image.</summary>
    private long PhasedInputFloats(int batch, in ConvGeometry geometry)
    {
        (int height, int width) = PhaseSplit.PlaneSize(Spec, geometry);
        return PlanesFloats(batch, _phased!.Spec.InputChannels, height, width);
    }

    /// <summary>Planes read in place by tap offsets, and one tile of zeros the last tile may read past their end.</summary>
    private long PlanesFloats(int batch, int channels, long height, long width) => (long)batch * channels * height * width + TileColumns;

    private int CopyTasksPerImage(int batch, ConvAlgorithm algorithm) => Math.Min(CopiedUnits(algorithm), PanelLayout.CeilDiv(MinimumCopyTasks, batch));

    /// <summary>
    /// What copy tasks share out: input channels, or blocks of them; rows of the phase planes for
    /// <see cref="ConvAlgorithm.PhasedWinograd"/>, whose phases of a few channels fill one block or three.
    /// </summary>
    private int CopiedUnits(ConvAlgorithm algorithm) =>
        algorithm == ConvAlgorithm.PhasedWinograd ? MinimumCopyTasks
        : ReadsBlocked(algorithm) ? BlockedMaps.Blocks(Spec.InputChannels) : Spec.InputChannels;

    /// <summary>
    /// Whether a run of <paramref name="algorithm"/> reads blocked maps: a blocked input, or planar maps Winograd's tiles or
    /// position tiles copy into blocks.
    /// </summary>
    private bool ReadsBlocked(ConvAlgorithm algorithm) =>
        Spec.InputLayout == MapLayout.Blocked || algorithm == ConvAlgorithm.PhasedWinograd || CopiesIntoBlocks(algorithm);

    /// <summary>Whether the packing phase of <paramref name="algorithm"/> copies planar input maps into padded blocked ones (<see cref="PlanarBlocks"/>).</summary>
    private bool CopiesIntoBlocks(ConvAlgorithm algorithm) => Spec.InputLayout == MapLayout.Planar
        && (algorithm == ConvAlgorithm.Winograd || (algorithm == ConvAlgorithm.PositionTiles && _positionTiles is { PlanarIntoBlocks: true }));

    /// <summary>One image's padded copy in blocked maps for <paramref name="algorithm"/> (<see cref="CopiedChannels"/>).</summary>
    private nint PaddedBlocksFloats(in ConvGeometry geometry, ConvAlgorithm algorithm) =>
        BlockedMaps.ImageFloats(CopiedChannels(algorithm), PaddedTaps.Plane(geometry));

    /// <summary>
    /// The run-wide buffer the packing phase fills and the compute phase reads, or null when the plan has none.
    /// Call on the thread that runs both phases; valid until its next call on that thread.
    /// </summary>
    public float* RentRunScratch(in ConvWork work) => work.SharedFloats > 0 ? ScratchArena.RentShared((nint)work.SharedFloats) : null;

    /// <summary>
    /// Task <paramref name="task"/> of phase <paramref name="phase"/> (of <see cref="ConvWork.PhaseCount"/>, each
    /// with <see cref="ConvWork.PhaseTasks"/> tasks, run in order): input N x C x H x W, output N x M x Ho x Wo,
    /// <paramref name="shared"/> the run's buffer (<see cref="RentRunScratch"/>), <paramref name="residual"/> a tensor
    /// of the output's shape where the spec adds one (<see cref="ConvSpec.Residual"/>: the caller checks it is there).
    /// </summary>
    public void RunPhaseTask(in ConvWork work, int phase, float* input, float* output, float* shared, int task, float* residual = null)
    {
        if (phase == 0) RunPackTask(work, input, shared, task);
        else if (work.BuildsTapLists(phase)) _positionTiles!.BuildTapLists(work, input, shared, task);
        else if (work.Algorithm == ConvAlgorithm.Sampled) _sampled!.RunTask(work, phase, output, shared, task);
        else if (work.Algorithm == ConvAlgorithm.Spet) _spet!.RunTask(work, output, shared, task);
        else if (work.Algorithm == ConvAlgorithm.SparseTaps)
        {
            _sparse!.RunTask(work, output, shared, task);
            CountSparse(work, task);
        }
        else RunTask(work, input, output, shared, task, residual);
    }

    /// <summary>
    /// Packing phase, task <paramref name="task"/> of <see cref="ConvWork.PackTaskCount"/>: one block of K of
    /// one column chunk (im2col), or a range of channels of one image (padded input).
    /// </summary>
    private void RunPackTask(in ConvWork work, float* input, float* shared, int task)
    {
        if (work.Algorithm is ConvAlgorithm.PaddedTaps or ConvAlgorithm.PhasedTaps or ConvAlgorithm.Sampled or ConvAlgorithm.PositionTiles
            or ConvAlgorithm.Spet or ConvAlgorithm.SparseTaps or ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd)
        {
            int perImage = work.PackTaskCount / work.Batch;
            int imageIndex = task / perImage;
            int part = task - imageIndex * perImage;
            int channels = Spec.InputChannels;
            int units = CopiedUnits(work.Algorithm);
            int first = (int)((long)units * part / perImage);
            int last = (int)((long)units * (part + 1) / perImage);
            if (work.Algorithm == ConvAlgorithm.PhasedWinograd)
            {
                // The units are shares of the phase planes' rows.
                ConvGeometry patches = CopiedGeometry(work.Geometry, work.Algorithm);
                nint planes = PaddedBlocksFloats(patches, work.Algorithm);
                int rows = (int)patches.PaddedHeight;
                PhaseSplit.SplitIntoBlocks(input + (nint)imageIndex * channels * work.Source.InputSize, Spec, work.Source, patches,
                    rows * part / perImage, rows * (part + 1) / perImage, shared + imageIndex * planes);
                if (task == work.PackTaskCount - 1)
                    new Span<float>(shared + work.Batch * planes, TileColumns).Clear();
                return;
            }
            if (work.Algorithm == ConvAlgorithm.SparseTaps)
            {
                // The units are channels, or blocks of them from blocked maps.
                int unitChannels = ReadsBlocked(work.Algorithm) ? BlockedMaps.Block : 1;
                nint copies = work.Batch * (nint)_sparse!.ImageFloats(work.Geometry);
                _sparse.Copy(work.Geometry, input, shared, imageIndex, Math.Min(channels, first * unitChannels), Math.Min(channels, last * unitChannels));
                if (task == work.PackTaskCount - 1)
                    new Span<float>(shared + copies, (int)(work.SharedFloats - copies)).Clear();
                return;
            }
            if (CopiesIntoBlocks(work.Algorithm))
            {
                // Planar maps into blocked ones: padded, or unpadded for an interior run.
                ConvGeometry copied = work.Interior ? Unpadded(work.Geometry) : CopiedGeometry(work.Geometry, work.Algorithm);
                nint copiedImage = PaddedBlocksFloats(copied, work.Algorithm);
                PlanarBlocks.Copy(input + (nint)imageIndex * channels * work.Geometry.InputSize, copied, first, last - first, channels,
                    shared + imageIndex * copiedImage, work.ZeroMapFlags == 0 ? null : (byte*)(shared + work.ZeroMapFlags) + imageIndex * channels);
                if (task == work.PackTaskCount - 1)
                    new Span<float>(shared + work.Batch * copiedImage, TileColumns).Clear();
                return;
            }
            if (work.Interior)
            {
                BlockedMaps.FlagZeroMaps(input + imageIndex * BlockedMaps.ImageFloats(channels, work.Geometry.InputSize), work.Geometry.InputSize,
                    first, last - first, channels, (byte*)(shared + work.ZeroMapFlags) + imageIndex * channels);
                return;
            }
            if (Spec.InputLayout == MapLayout.Blocked)
            {
                ConvGeometry copied = CopiedGeometry(work.Geometry, work.Algorithm);
                nint paddedImage = PaddedBlocksFloats(copied, work.Algorithm);
                BlockedMaps.CopyPadded(input + imageIndex * BlockedMaps.ImageFloats(channels, work.Source.InputSize), copied, first, last - first,
                    0, (int)copied.PaddedHeight, channels, shared + imageIndex * paddedImage,
                    work.ZeroMapFlags == 0 ? null : (byte*)(shared + work.ZeroMapFlags) + imageIndex * channels);
                if (task == work.PackTaskCount - 1)
                    new Span<float>(shared + work.Batch * paddedImage, TileColumns).Clear();
                return;
            }
            float* source = input + (nint)imageIndex * channels * work.Source.InputSize;
            nint imagePlanes = (work.Algorithm == ConvAlgorithm.PhasedTaps ? _phased!.Spec.InputChannels : channels) * PaddedTaps.Plane(work.Geometry);
            if (work.Algorithm == ConvAlgorithm.PhasedTaps)
                PhaseSplit.SplitChannels(source, Spec, work.Source, work.Geometry.InputHeight, work.Geometry.InputWidth,
                    first, last - first, shared + imageIndex * imagePlanes);
            else
                CopyChannels(work, source, shared, imageIndex, first, last, imagePlanes);
            if (work.Algorithm == ConvAlgorithm.Spet)
                _spet!.CopyRest(work, shared, imageIndex, first, last);
            if (task == work.PackTaskCount - 1)
                new Span<float>(shared + work.Batch * imagePlanes, TileColumns).Clear();
            return;
        }
        int kBlock = task % work.KBlocks;
        int unit = task / work.KBlocks;
        int k0 = kBlock * PanelLayout.KBlock;
        int kLength = Math.Min(PanelLayout.KBlock, Spec.ReductionLength - k0);
        float* image = GroupInput(work, input, unit, out int n0, out int nLength);
        float* destination = shared + ((nint)unit * Spec.ReductionLength + k0) * work.ColumnChunk;
        Im2ColPacker.Pack(image, Spec, work.Geometry, k0, kLength, n0, nLength, TileColumns, destination);
    }

    /// <summary>Channels [first, last) of one image into the padded copy, with the flags, ranges and means the run needs.</summary>
    private void CopyChannels(in ConvWork work, float* source, float* shared, int imageIndex, int first, int last, nint imagePlanes)
    {
        int channels = Spec.InputChannels;
        byte* flags = work.ZeroMapFlags == 0 ? null : (byte*)(shared + work.ZeroMapFlags) + imageIndex * channels;
        PaddedTaps.CopyChannels(source, work.Geometry, first, last - first, shared + imageIndex * imagePlanes, flags,
            work.Algorithm == ConvAlgorithm.Spet ? shared + work.Spet.Ranges + 2L * imageIndex * channels : null,
            work.Sfma.IsOn ? shared + work.Sfma.Means + (nint)imageIndex * channels : null, work.Sfma.Threshold);
        if (!work.Sfma.IsOn) return;
        if (work.Sfma.MergesPairs)
        {
            int tested = _pairs!.Test(source, work.Geometry.InputSize, first, last, work.Sfma.Threshold,
                (byte*)(shared + work.Sfma.NearEqual) + imageIndex * _pairs.Count);
            Counters.AddOverhead((long)MapDifference.OperationsPerValue * tested * work.Geometry.InputSize);
        }
        int folded = 0;
        for (int c = first; c < last; c++)
            if (flags[c] == PaddedTaps.FoldedMap) folded++;
        Counters.AddFolded(folded);
        Counters.AddOverhead((long)MapMoments.OperationsPerValue * (last - first) * work.Geometry.InputSize);
    }

    /// <summary>
    /// Compute phase, task <paramref name="task"/> of <see cref="ConvWork.TaskCount"/>: input N x C x H x W,
    /// output N x M x Ho x Wo; <paramref name="shared"/> is the packing phase's buffer, or null.
    /// </summary>
    private void RunTask(in ConvWork work, float* input, float* output, float* shared, int task, float* residual = null)
    {
        if (work.Algorithm is ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd)
        {
            ConvTask part = work.Task(task);
            ConvGeometry geometry = work.Geometry;
            WinogradTiles tiles = Tiles(work.Algorithm);
            float* padded = work.SharedFloats > 0
                ? shared + part.Image * PaddedBlocksFloats(tiles.PatchGeometry(geometry), work.Algorithm)
                : input + part.Image * BlockedMaps.ImageFloats(Spec.InputChannels, geometry.InputSize);
            nint image = part.Image * (Spec.OutputLayout == MapLayout.Blocked ? BlockedMaps.ImageFloats(Spec.OutputChannels, geometry.OutputSize) : (nint)Spec.OutputChannels * geometry.OutputSize);
            tiles.RunTask(geometry, padded, output + image, residual == null ? null : residual + image, part.FirstColumn, part.ColumnCount,
                part.FirstPanel, part.LastPanel, Counters);
            return;
        }
        if (work.Algorithm == ConvAlgorithm.PositionTiles)
        {
            if (!work.PointwiseLists || !_pointwiseLists!.TryRunTask(work, input, output, task, Counters, _positionTiles!))
                _positionTiles!.RunExact(work, input, output, shared, task, Counters, residual);
            if (work.Interior && work.Task(task) is { FirstColumn: 0 } part)
            {
                // The first task of each image and range of channels fills those maps' border.
                int first = part.FirstPanel * TileColumns;
                int count = Math.Min(Spec.OutputChannels, part.LastPanel * TileColumns) - first;
                if (count > 0)
                    fixed (float* bias = _bias)
                        FillBorder(work.Geometry, output + (nint)part.Image * Spec.OutputChannels * work.Geometry.OutputSize, first, count,
                            new TileEpilogue(bias, 1, 0, 1f, Spec.Activation));
            }
            return;
        }
        if (work.Algorithm == ConvAlgorithm.PhasedTaps)
        {
            // The phased kernel counts the zero taps it multiplies; this one counts the convolution's own MACs.
            _phased!.RunTask(work with { Algorithm = ConvAlgorithm.PaddedTaps }, input, output, shared, task);
            Count(work, task, Spec.ReductionLength);
            return;
        }
        var run = new TaskWork(this, work, input, output, shared, task);
        SimdDispatch.Run(Path, ref run);
    }

    /// <summary>
    /// The first input channel of the group of an (image, group, column chunk) unit, and the unit's compute
    /// columns. For <see cref="ConvAlgorithm.PaddedTaps"/> pass the padded copy as <paramref name="input"/>.
    /// </summary>
    private float* GroupInput(in ConvWork work, float* input, int unit, out int n0, out int nLength)
    {
        int columnChunk = unit % work.ColumnChunks;
        int rest = unit / work.ColumnChunks;
        int group = rest % Spec.Group;
        int image = rest / Spec.Group;
        n0 = columnChunk * work.ColumnChunk;
        nLength = Math.Min(work.ColumnChunk, work.Columns - n0);
        nint plane = work.Algorithm == ConvAlgorithm.PaddedTaps ? PaddedTaps.Plane(work.Geometry) : work.Geometry.InputSize;
        return input + ((nint)image * Spec.InputChannels + (nint)group * Spec.InputChannelsPerGroup) * plane;
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(ConvKernel kernel, ConvWork work, float* input, float* output, float* shared, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, input, output, shared, task);
    }

    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in ConvWork work, float* input, float* output, float* shared, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        ConvSpec spec = Spec;
        int rowChunk = task % work.RowChunks;
        int unit = task / work.RowChunks;
        float* groupInput = GroupInput(work, work.Algorithm == ConvAlgorithm.PaddedTaps ? shared : input, unit, out int n0, out int nLength);
        int group = unit / work.ColumnChunks % spec.Group;
        int imageIndex = unit / work.ColumnChunks / spec.Group;
        int mGroup = spec.OutputChannelsPerGroup;
        int k = spec.ReductionLength;
        var rows = new RowRange(rowChunk * work.PanelsPerRowChunk, Math.Min((rowChunk + 1) * work.PanelsPerRowChunk, _panelsPerGroup), mGroup);

        nint outputPlane = work.Geometry.OutputSize;
        float* groupOutput = output + ((nint)imageIndex * spec.OutputChannels + (nint)group * mGroup) * outputPlane;
        fixed (float* weights = _packedWeights)
        fixed (float* bias = _bias)
        {
            var a = new WeightPanels(weights + (nint)group * _panelsPerGroup * PanelLayout.Rows * k, k,
                new TileEpilogue(bias + group * mGroup, 1, 0, 1f, spec.Activation));
            switch (work.Algorithm)
            {
                case ConvAlgorithm.Pointwise:
                {
                    // The task's partial sums (whole tiles, one chunk wide), then the packed ragged panel.
                    nint partialFloats = (nint)(rows.LastPanel - rows.FirstPanel) * PanelLayout.Rows * work.ColumnChunk;
                    float* partial = ScratchArena.Rent(partialFloats + PanelLayout.KBlock * TileColumns);
                    var source = new PointwiseRows(groupInput + n0, work.Geometry.InputSize, nLength, TileColumns, partial + partialFloats);
                    float* partialRows = partial - (nint)rows.First * work.ColumnChunk;
                    if (!work.Geometry.HasPadding)
                    {
                        var target = new OutputRows(groupOutput + n0, outputPlane, TileColumns);
                        Multiply<TLane, TVec, StridedRows, PointwiseRows, OutputRows>(TileColumns, source, target, a, rows, nLength,
                            partialRows, work.ColumnChunk, KSegments.All(k));
                        break;
                    }
                    // Padded (SqueezeNet's conv10): the interior from the input in place, the border (zeros times
                    // weights) is the bias, filled once per row chunk by its first column chunk.
                    var interior = new PaddedOutputRows(groupOutput, ColumnPlacement.Interior(work.Geometry), outputPlane, n0, TileColumns,
                        partialRows, work.ColumnChunk);
                    Multiply<TLane, TVec, StridedRows, PointwiseRows, PaddedOutputRows>(TileColumns, source, interior, a, rows, nLength,
                        partialRows, work.ColumnChunk, KSegments.All(k));
                    if (n0 == 0) FillBorder(work.Geometry, groupOutput, rows.First, rows.Count, a.Epilogue);
                    break;
                }
                case ConvAlgorithm.PaddedTaps:
                {
                    // Offsets first (of the merged pairs' product where pairs merge), then the task's padded-width rows:
                    // partial sums of every tile, and the output of tiles that cross a row's end; then (SFMA) the task's
                    // bias with the folded maps added, and the flags of the merged product's channels.
                    int channels = work.Sfma.MergesPairs ? spec.InputChannels + _pairs!.Count : spec.InputChannelsPerGroup;
                    int kRun = channels * spec.KernelHeight * spec.KernelWidth;
                    nint spillFloats = (nint)(rows.LastPanel - rows.FirstPanel) * PanelLayout.Rows * work.ColumnChunk;
                    nint* offsets = (nint*)ScratchArena.Rent(kRun * (sizeof(nint) / sizeof(float)) + spillFloats + (work.Sfma.IsOn ? rows.Count : 0)
                        + (work.Sfma.MergesPairs ? PanelLayout.CeilDiv(channels, sizeof(float)) : 0));
                    float* spill = (float*)(offsets + kRun) - (nint)rows.First * work.ColumnChunk;
                    byte* flags = work.ZeroMapFlags == 0 ? null
                        : (byte*)(shared + work.ZeroMapFlags) + (nint)imageIndex * spec.InputChannels + group * spec.InputChannelsPerGroup;
                    if (work.Sfma.IsOn)
                        a = FoldedBias(work, a, shared, imageIndex, group, rows, (float*)(offsets + kRun) + spillFloats, bias + group * mGroup);
                    PaddedTaps.TapOffsets(spec, work.Geometry, spec.InputChannelsPerGroup, offsets);
                    if (work.Sfma.MergesPairs)
                        flags = MergedPairs(work, ref a, task, shared, imageIndex, offsets, (byte*)((float*)(offsets + kRun) + spillFloats + rows.Count));
                    var source = new ShiftedRows(groupInput + n0, offsets, TileColumns);
                    var target = new PaddedOutputRows(groupOutput, ColumnPlacement.PaddedRows(work.Geometry), outputPlane, n0, TileColumns, spill, work.ColumnChunk);
                    KSegments segments = flags == null ? KSegments.All(k)
                        : KSegments.LiveChannels(flags, channels, spec.KernelHeight * spec.KernelWidth, ScratchArena.RentSegments(channels + kRun / PanelLayout.KBlock + 2));
                    Multiply<TLane, TVec, OffsetRows, ShiftedRows, PaddedOutputRows>(TileColumns, source, target, a, rows, nLength, spill, work.ColumnChunk, segments);
                    Count(work, task, segments.TotalLength);
                    return;
                }
                default:
                {
                    float* packed = shared != null
                        ? shared + (nint)unit * k * work.ColumnChunk
                        : ScratchArena.Rent(Math.Min(PanelLayout.KBlock, k) * work.ColumnChunk);
                    var source = new Im2ColBlocks(spec, work.Geometry, groupInput, n0, nLength, TileColumns, packed, packShared: shared != null, work.ColumnChunk);
                    var target = new OutputRows(groupOutput + n0, outputPlane, TileColumns);
                    Multiply<TLane, TVec, StridedRows, Im2ColBlocks, OutputRows>(TileColumns, source, target, a, rows, nLength, partial: null, 0, KSegments.All(k));
                    break;
                }
            }
        }
        Count(work, task, Spec.ReductionLength);
    }

    /// <summary>
    /// <paramref name="a"/> with the task's bias (at <paramref name="destination"/>, <see cref="RowRange.Count"/> floats)
    /// plus what the image's folded maps add to it; <paramref name="a"/> itself when no map of the group was folded.
    /// </summary>
    private WeightPanels FoldedBias(in ConvWork work, in WeightPanels a, float* shared, int imageIndex, int group, RowRange rows,
        float* destination, float* groupBias)
    {
        nint firstChannel = (nint)imageIndex * Spec.InputChannels + group * Spec.InputChannelsPerGroup;
        int folded = _sfma!.Bias(groupBias, (byte*)(shared + work.ZeroMapFlags) + firstChannel, shared + work.Sfma.Means + firstChannel,
            group, rows.First, rows.Count, destination);
        if (folded == 0) return a;
        Counters.AddOverhead((long)folded * rows.Count);
        // The epilogue indexes bias by the row within the group.
        return new WeightPanels(a.Panels, a.K, new TileEpilogue(destination - rows.First, 1, 0, 1f, Spec.Activation));
    }

    /// <summary>
    /// The padded border of a 1x1 convolution's output maps, <paramref name="count"/> rows (output channels) of the group
    /// from <paramref name="first"/>: every border output reads only padding, so it is the epilogue of 0. Counted as the
    /// dense product's MACs (the padding's zeros are no mechanism's saving).
    /// </summary>
    private void FillBorder(in ConvGeometry geometry, float* groupOutput, int first, int count, in TileEpilogue epilogue)
    {
        int width = geometry.OutputWidth;
        nint plane = geometry.OutputSize;
        for (int row = first; row < first + count; row++)
        {
            float value = epilogue.Apply(0f, row, 0);
            float* map = groupOutput + row * plane;
            new Span<float>(map, geometry.PadTop * width + geometry.PadLeft).Fill(value);
            // A row's right pad and the next row's left pad are adjacent: one short run each (a pad of 1 on
            // SqueezeNet's conv10: two floats), written element by element rather than through a call.
            int gap = geometry.PadRight + geometry.PadLeft;
            for (int y = geometry.PadTop; y < geometry.PadTop + geometry.InputHeight - 1; y++)
            {
                float* run = map + (nint)y * width + geometry.PadLeft + geometry.InputWidth;
                for (int x = 0; x < gap; x++) run[x] = value;
            }
            int lastRow = geometry.PadTop + geometry.InputHeight - 1;
            new Span<float>(map + (nint)lastRow * width + geometry.PadLeft + geometry.InputWidth,
                geometry.PadRight + geometry.PadBottom * width).Fill(value);
        }
        long outputs = (long)count * (geometry.OutputSize - geometry.InputSize);
        Counters.Add(outputs * Spec.ReductionLength, outputs * Spec.ReductionLength, outputs);
    }

    /// <summary>
    /// Switches a task of a run that merges pairs to the merged product: <paramref name="a"/> to its weights (same
    /// epilogue), the pairs' tap offsets after the channels' own, and the image's flags over its C + P channels written
    /// to <paramref name="destination"/> (returned). The image's first task counts the pairs merged.
    /// </summary>
    private byte* MergedPairs(in ConvWork work, ref WeightPanels a, int task, float* shared, int imageIndex, nint* offsets, byte* destination)
    {
        int merged = _pairs!.Flags((byte*)(shared + work.ZeroMapFlags) + (nint)imageIndex * Spec.InputChannels,
            (byte*)(shared + work.Sfma.NearEqual) + imageIndex * _pairs.Count, destination);
        if (task % (work.ColumnChunks * work.RowChunks) == 0) Counters.AddMerged(merged);
        _pairs.TapOffsets(offsets);
        a = new WeightPanels(_pairs.Panels, _pairs.K, a.Epilogue);
        return destination;
    }

    /// <summary>
    /// Counts a <see cref="ConvAlgorithm.SparseTaps"/> task's multiply-accumulates: its positions' nonzero weights against
    /// the dense product.
    /// </summary>
    private void CountSparse(in ConvWork work, int task)
    {
        int first = task % work.ColumnChunks * work.ColumnChunk;
        long positions = RealColumns(work, first, Math.Min(work.ColumnChunk, work.Columns - first));
        Counters.Add(positions * _sparse!.NonzeroWeights, positions * Spec.OutputChannels * Spec.ReductionLength, positions * Spec.OutputChannels);
    }

    /// <summary>
    /// Counts task <paramref name="task"/>'s multiply-accumulates: its real output channels x real output positions,
    /// times the <paramref name="executedK"/> it ran of the convolution's K.
    /// </summary>
    private void Count(in ConvWork work, int task, int executedK)
    {
        int rowChunk = task % work.RowChunks;
        int columnChunk = task / work.RowChunks % work.ColumnChunks;
        int n0 = columnChunk * work.ColumnChunk;
        int nLength = Math.Min(work.ColumnChunk, work.Columns - n0);
        int firstRow = rowChunk * work.PanelsPerRowChunk * PanelLayout.Rows;
        int rows = Math.Min(firstRow + work.PanelsPerRowChunk * PanelLayout.Rows, Spec.OutputChannelsPerGroup) - firstRow;
        long outputs = (long)rows * RealColumns(work, n0, nLength);
        Counters.Add(outputs * executedK, outputs * Spec.ReductionLength, outputs);
    }

    /// <summary>
    /// Output positions among compute columns [n0, n0 + nLength): all of them, but for the columns past each row's end of
    /// <see cref="ConvAlgorithm.PaddedTaps"/> (and the phased taps on it) and <see cref="ConvAlgorithm.SparseTaps"/>.
    /// </summary>
    private static int RealColumns(in ConvWork work, int n0, int nLength)
    {
        if (work.Algorithm is not (ConvAlgorithm.PaddedTaps or ConvAlgorithm.PhasedTaps or ConvAlgorithm.SparseTaps)) return nLength;
        // Positions before n in padded-width rows: whole rows of Wo, plus the row's start clipped at Wo.
        int pitch = work.ColumnPitch, outW = work.Geometry.OutputWidth;
        int Before(int n) => n / pitch * outW + Math.Min(n % pitch, outW);
        return Before(n0 + nLength) - Before(n0);
    }

    /// <summary>
    /// How many column panels ahead a 1x1 convolution asks for its input rows. It reads a panel's rows in place, one
    /// plane apart: K streams of two cache lines each, more than the hardware prefetcher follows, so with the input out
    /// of L2, as inside a network (SqueezeNet's fire2 squeeze: 0.09 ms alone and warm, 0.33 ms in the network), every
    /// line was a demand miss. One panel ahead: 1.04x-1.54x faster with caches flushed before each run (squeeze and
    /// expand shapes of SqueezeNet, interleaved with the kernel without it), 0.96x-1.11x with them warm; two or four
    /// panels ahead gained less.
    /// </summary>
    private const int PrefetchPanels = 1;

    /// <summary>Asks for rows [0, kLength) of a column panel (tile width floats each) to be brought into the cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRows<TRows>(TRows rows, int kLength, int tileColumns) where TRows : struct, IVectorOperandRows
    {
        if (!Sse.IsSupported) return;
        int lines = Math.Max(1, tileColumns / 16);
        for (int k = 0; k < kLength; k++)
        {
            float* row = rows.Row(k);
            for (int line = 0; line < lines; line++) Sse.Prefetch0(row + line * 16);
        }
    }

    /// <summary>
    /// Whether a range of row panels ends in a panel of one to four rows that pairs of its whole panels, taken from the
    /// first, would leave alone (an even number of whole panels before it): alone it would compute six rows.
    /// </summary>
    private static bool ShortPanelAfterPairs(RowRange rows)
    {
        int lastRows = Math.Min(PanelLayout.Rows, rows.GroupRows - (rows.LastPanel - 1) * PanelLayout.Rows);
        return lastRows <= FourRows.Count && (rows.LastPanel - 1 - rows.FirstPanel) % 2 == 0;
    }

    /// <summary>
    /// Output = act(A[rows, :] · B + bias) over a task's columns, block of K by block of K.
    /// </summary>
    /// <param name="partial">
    /// Where the sums of all but the last block of K are kept: row r (counted in the group) at partial + r * partialLdc,
    /// column panel jp at + jp * tile width. Null: they are kept in the output itself.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply<TLane, TVec, TRows, TSource, TTarget>(int tileColumns, TSource source, TTarget target, in WeightPanels a,
        RowRange rows, int nLength, float* partial, nint partialLdc, KSegments segments)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
        where TRows : struct, IVectorOperandRows
        where TSource : struct, IColumnSource<TRows>
        where TTarget : struct, ITileTarget
    {
        int k = a.K;
        int columnPanels = PanelLayout.CeilDiv(nLength, tileColumns);
        for (int segment = 0; segment < segments.Count; segment++)
        {
            int k0 = segments.Start(segment);
            int kLength = segments.Length(segment);
            bool accumulate = segment > 0;
            bool finish = segment == segments.Count - 1;
            source.BeginBlock(k0, kLength);
            for (int jp = 0; jp < columnPanels; jp++)
            {
                if (typeof(TSource) == typeof(PointwiseRows) && jp + PrefetchPanels < columnPanels)
                    PrefetchRows(source.Panel(k0, kLength, jp + PrefetchPanels), kLength, tileColumns);
                TRows b = source.Panel(k0, kLength, jp);
                int columns = Math.Min(tileColumns, nLength - jp * tileColumns);
                TilePanel c = target.Panel(jp, columns);
                for (int ip = rows.FirstPanel; ip < rows.LastPanel; ip++)
                {
                    int row = ip * PanelLayout.Rows;
                    int rowsHere = Math.Min(PanelLayout.Rows, rows.GroupRows - row);
                    // Partial sums go to scratch rows a chunk apart, not to the output, whose rows a whole plane
                    // apart share L1 sets (VGG's conv1: every map's row at the same 4 KiB offset); the output is
                    // written once, by the last block of K.
                    float* output = c.C + row * c.Ldc;
                    float* sums = partial == null ? output : partial + row * partialLdc + jp * tileColumns;
                    nint sumsLdc = partial == null ? c.Ldc : partialLdc;
                    // Two panels of full columns at once where 32 vector registers hold both (a JIT-time constant), the
                    // second computing only the rows it needs of the group's last (RunPair); the range's first panel alone
                    // where that leaves its last short panel a partner (64 outputs: 6, then five pairs, the last 6 + 4).
                    if (typeof(TVec) == typeof(Vector512<float>) && columns == tileColumns && ip + 1 < rows.LastPanel
                        && rows.GroupRows - row > PanelLayout.Rows && !(ip == rows.FirstPanel && ShortPanelAfterPairs(rows)))
                    {
                        float* a0 = a.Panels + ((nint)ip * k + k0) * PanelLayout.Rows, a1 = a.Panels + ((nint)(ip + 1) * k + k0) * PanelLayout.Rows;
                        float* tile = finish ? output : sums;
                        nint tileLdc = finish ? c.Ldc : sumsLdc;
                        int second = Math.Min(rows.GroupRows - row - PanelLayout.Rows, PanelLayout.Rows);
                        if (second <= TwoRows.Count)
                            GemmTile<TLane, TVec>.RunPair<TRows, TwoRows>(a0, a1, b, kLength, tile, tileLdc, sums, sumsLdc, second, accumulate, finish, a.Epilogue.At(row, 0));
                        else if (second <= ThreeRows.Count)
                            GemmTile<TLane, TVec>.RunPair<TRows, ThreeRows>(a0, a1, b, kLength, tile, tileLdc, sums, sumsLdc, second, accumulate, finish, a.Epilogue.At(row, 0));
                        else if (second <= FourRows.Count)
                            GemmTile<TLane, TVec>.RunPair<TRows, FourRows>(a0, a1, b, kLength, tile, tileLdc, sums, sumsLdc, second, accumulate, finish, a.Epilogue.At(row, 0));
                        else
                            GemmTile<TLane, TVec>.RunPair<TRows, SixRows>(a0, a1, b, kLength, tile, tileLdc, sums, sumsLdc, second, accumulate, finish, a.Epilogue.At(row, 0));
                        if (finish && c.Spilled) target.Store(jp, columns, row, PanelLayout.Rows + second);
                        ip++;
                        continue;
                    }
                    // A last column panel of one vector's columns or fewer: two panels of rows against that vector alone
                    // (its partial sums whole, so only into scratch rows).
                    if (typeof(TVec) == typeof(Vector512<float>) && columns <= TLane.Count && ip + 1 < rows.LastPanel
                        && rows.GroupRows - row >= 2 * PanelLayout.Rows && a.Epilogue.ColumnStride == 0 && (partial != null || segments.Count == 1))
                    {
                        GemmTile<TLane, TVec>.RunPairNarrow(a.Panels + ((nint)ip * k + k0) * PanelLayout.Rows, a.Panels + ((nint)(ip + 1) * k + k0) * PanelLayout.Rows,
                            b, kLength, finish ? output : sums, finish ? c.Ldc : sumsLdc, sums, sumsLdc, columns, accumulate, finish, a.Epilogue.At(row, 0));
                        if (finish && c.Spilled) target.Store(jp, columns, row, 2 * PanelLayout.Rows);
                        ip++;
                        continue;
                    }
                    GemmTile<TLane, TVec>.Run(a.Panels + ((nint)ip * k + k0) * PanelLayout.Rows, b, kLength,
                        finish ? output : sums, finish ? c.Ldc : sumsLdc, sums, sumsLdc, rowsHere,
                        finish || partial == null ? columns : tileColumns, accumulate, finish, a.Epilogue.At(row, 0));
                    // Finished spilled tiles leave at once, still in L1.
                    if (finish && c.Spilled) target.Store(jp, columns, row, rowsHere);
                }
            }
        }
    }
}
