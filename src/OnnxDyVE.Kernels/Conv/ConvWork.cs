namespace OnnxDyVE.Kernels.Conv;

/// <summary>How a convolution's GEMM finds its vector operand (the unfolded input, one row per tap).</summary>
public enum ConvAlgorithm
{
    /// <summary>Other strided or very large convolutions: blocks of the im2col matrix are packed into tile panels.</summary>
    Im2Col,

    /// <summary>1x1, stride 1, no padding: the input channels are the operand's rows, read in place.</summary>
    Pointwise,

    /// <summary>
    /// Stride 1: the input is copied once per run into a zero-padded layout, where every tap's row is that
    /// layout shifted by the tap's offset. Outputs are computed over padded-width rows (a few columns past the
    /// right edge are computed and dropped), so the operand is read in place with no packing at all.
    /// </summary>
    PaddedTaps,

    /// <summary>
    /// Strided convolutions with large kernels (SqueezeNet's 7x7/2, AlexNet's 11x11/4): the input is split once per
    /// run into phase planes, over which the convolution has stride 1 (<see cref="PhaseSplit"/>), then runs as
    /// <see cref="PaddedTaps"/>.
    /// </summary>
    PhasedTaps,

    /// <summary>
    /// One group, any stride: the input is copied as for <see cref="PaddedTaps"/>, and the GEMM's roles are swapped:
    /// tiles of six output positions (read in place) by a panel of output channels (weights packed K x channels,
    /// the vector side), stored position-major and transposed into the output maps. No ragged column panels where
    /// maps are small and channels many, no phase planes for strides. Chosen for strided spatial convolutions, blocked
    /// maps, and at stride 1 where it beats <see cref="PaddedTaps"/> (ConvKernel.PositionTilesPay says where).
    /// Columns, ColumnChunk and ColumnChunks count output positions; PanelsPerRowChunk and RowChunks, channel panels.
    /// </summary>
    PositionTiles,

    /// <summary>
    /// SDSS (<see cref="ConvSpec.SdssDelta"/> at an effort above 0): stride 1, one group. The input is copied as for
    /// <see cref="PaddedTaps"/>; the outputs on a stride-2 grid are computed, every other position is
    /// interpolated from its grid neighbours where they agree and computed where they do not
    /// (<see cref="SampledConv"/>).
    /// </summary>
    Sampled,

    /// <summary>
    /// SPET (<see cref="ConvSpec.SpetPrefix"/> above 0, at every effort: effort 0 is exact SPET): stride 1, one group.
    /// The input is copied as for <see cref="PaddedTaps"/>; every output computes a prefix of K densely, and only the
    /// outputs not predicted to saturate compute the rest (<see cref="SpetConv"/>).
    /// </summary>
    Spet,

    /// <summary>
    /// Pruned weights (<see cref="Schema.SparseWeights"/>) of a spatial kernel, one group, stride 1, exact:
    /// every output channel multiplies only its nonzero weights, each against a row of positions of the input, copied
    /// once per run with aligned rows (<see cref="Conv.SparseTaps"/>). Columns count positions oy x
    /// <see cref="ConvWork.ColumnPitch"/> + ox; ColumnChunk positions a task, every output channel.
    /// </summary>
    SparseTaps,

    /// <summary>
    /// 3 x 3, stride 1, one group, blocked maps in and out, exact, on AVX-512 (<see cref="WinogradTiles"/>): 2 x 2 tiles of
    /// outputs by Winograd's F(2 x 2, 3 x 3), 16 products per tile and channel pair instead of 36. Columns count tiles
    /// (ColumnPitch a tile row), ColumnChunk whole tile rows; PanelsPerRowChunk and RowChunks, panels of 64 output channels.
    /// </summary>
    Winograd,

    /// <summary>
    /// A strided convolution by <see cref="Winograd"/>'s tiles over its phase planes (<see cref="PhaseSplit"/>): the
    /// packing phase splits the planar input into padded blocked planes of C x sh x sw channels, over which the
    /// convolution has stride 1 and a kernel of ceil(kh / sh) x ceil(kw / sw) (SqueezeNet's 7 x 7 / 2 from 3 channels:
    /// 4 x 4 over 12, by F(5 x 5, 4 x 4); AlexNet's 11 x 11 / 4: 3 x 3 over 48). <see cref="ConvWork.Geometry"/> is the
    /// stride-1 geometry over the planes, <see cref="ConvWork.Source"/> the input's; the rest as for <see cref="Winograd"/>.
    /// </summary>
    PhasedWinograd,
}

/// <summary>
/// A convolution run laid out as independent tasks: an optional packing phase (<see cref="PackTaskCount"/>
/// tasks filling a run-wide buffer of <see cref="SharedFloats"/>), then <see cref="TaskCount"/> compute tasks.
/// A unit is one (image, group, column chunk); compute tasks split a unit's output channels into row chunks.
/// Columns are counted in compute space: output positions, or for <see cref="ConvAlgorithm.PaddedTaps"/>
/// positions oy * <see cref="ColumnPitch"/> + ox of padded-width rows.
/// </summary>
/// <param name="Geometry">
/// The convolution's geometry; for <see cref="ConvAlgorithm.PhasedTaps"/> and <see cref="ConvAlgorithm.PhasedWinograd"/>,
/// the stride-1 one over the phase planes.
/// </param>
/// <param name="Source">The input's own geometry (differs from <paramref name="Geometry"/> only over phase planes).</param>
/// <param name="ZeroMapFlags">
/// Where in the run-wide buffer the copy phase marks each (image, input channel) that is zero everywhere, or (SFMA)
/// near-uniform (floats from its start; <see cref="PaddedTaps.ZeroMap"/>, <see cref="PaddedTaps.FoldedMap"/>); 0: not marked.
/// </param>
/// <param name="Sampled">The layout of an SDSS run (<see cref="ConvAlgorithm.Sampled"/>), else default.</param>
/// <param name="Spet">The layout of an SPET run (<see cref="ConvAlgorithm.Spet"/>), else default.</param>
/// <param name="Sfma">SFMA's threshold and means in a <see cref="ConvAlgorithm.PaddedTaps"/> run, else default (off).</param>
/// <param name="TaskCopies">
/// A <see cref="ConvAlgorithm.PositionTiles"/> run of blocked maps whose tasks each copy the padded rows they read (there is
/// no copy phase) and find zero maps in those rows only: leaving out a map zero wherever a task reads it is as exact as
/// leaving out one zero everywhere. At 2 threads a shared copy was read from the other core twice (copied by one thread,
/// computed by the other): ResNet18 4.1%-5.2% and SqueezeNet 2.9%-3.1% faster this way, ResNet18 0.7%-1.3% at 1 thread.
/// </param>
/// <param name="TapLists">
/// Where in the run-wide buffer a <see cref="ConvAlgorithm.PositionTiles"/> run's phase before the compute writes each
/// chunk of positions' lists of live taps (<see cref="Gemm.LiveTaps"/>), which every range of channel panels then reads:
/// built once per chunk, not once per task (floats from the buffer's start; 0: tasks build their own, or none).
/// </param>
/// <param name="PointwiseLists">
/// A <see cref="ConvAlgorithm.PositionTiles"/> run of a 1 x 1 convolution whose tasks each run over their positions' own
/// lists of nonzero inputs where their samples say those pay (<see cref="PointwiseLists"/>), else as position tiles.
/// </param>
/// <param name="Interior">
/// A <see cref="ConvAlgorithm.PositionTiles"/> run of a padded 1x1 convolution over its interior only: the columns are
/// the input's positions, read in place, and the border of the output maps is the epilogue of 0 (every border output
/// reads only padding).
/// </param>
public readonly record struct ConvWork(
    ConvAlgorithm Algorithm, int Batch, ConvGeometry Geometry, int ColumnPitch, int Columns,
    int ColumnChunk, int ColumnChunks, int PanelsPerRowChunk, int RowChunks, int KBlocks, int Units,
    int PackTaskCount, long SharedFloats, ConvGeometry Source, long ZeroMapFlags = 0, SampledLayout Sampled = default,
    SpetLayout Spet = default, SfmaLayout Sfma = default, bool Interior = false, bool TaskCopies = false, long TapLists = 0,
    bool PointwiseLists = false)
{
    /// <summary>Compute tasks of a dense run (the phase after packing).</summary>
    public int TaskCount => Units * RowChunks;

    /// <summary>
    /// Phases of the run, each to be finished before the next starts: packing then compute, packing, the tiles' lists
    /// (<see cref="TapLists"/>) then compute, or SDSS's five.
    /// </summary>
    public int PhaseCount => Algorithm == ConvAlgorithm.Sampled ? SampledLayout.Phases : TapLists != 0 ? 3 : 2;

    /// <summary>Whether <paramref name="phase"/> builds the tiles' lists of live taps, one task per (image, chunk of positions).</summary>
    public bool BuildsTapLists(int phase) => TapLists != 0 && phase == 1;

    /// <summary>
    /// Compute task <paramref name="task"/> of a run whose units are (image, column chunk), one group (position tiles,
    /// SPET): its image, its columns and its range of channel panels.
    /// </summary>
    public ConvTask Task(int task)
    {
        int unit = task / RowChunks;
        int first = unit % ColumnChunks * ColumnChunk;
        int firstPanel = task % RowChunks * PanelsPerRowChunk;
        return new ConvTask(unit / ColumnChunks, first, Math.Min(ColumnChunk, Columns - first), firstPanel, firstPanel + PanelsPerRowChunk);
    }

    /// <summary>Independent tasks of phase <paramref name="phase"/> (may be 0: skip the phase).</summary>
    public int PhaseTasks(int phase) => phase == 0 ? PackTaskCount
        : Algorithm == ConvAlgorithm.Sampled ? Sampled.Tasks(phase, Batch)
        : BuildsTapLists(phase) ? Batch * ColumnChunks
        : TaskCount;
}

/// <summary>One compute task of a one-group run: columns [FirstColumn, FirstColumn + ColumnCount) of image <paramref name="Image"/>, channel panels [FirstPanel, LastPanel) before clipping to the kernel's panels.</summary>
public readonly record struct ConvTask(int Image, int FirstColumn, int ColumnCount, int FirstPanel, int LastPanel);
