using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A 3 x 3, 4 x 4 or 5 x 5, stride-1 convolution by Winograd's minimal filtering F(m x m, r x r) (Lavin and Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016): each m x m tile of outputs is A^T [(G g G^T) . (B^T d B)] A over
/// the (m + r - 1)^2 input patch d, so the products are 16 per 2 x 2 tile and channel pair where the direct 3 x 3
/// convolution has 36, 36 where the 5 x 5 one has 100; per 4 x 4 tile 36 where the 3 x 3 one has 144 and 64 where the
/// 5 x 5 one has 400 (<see cref="TileFor"/>); per 5 x 5 tile of a 4 x 4 kernel (a strided kernel's phases,
/// <see cref="ConvAlgorithm.PhasedWinograd"/>) 64 where it has 400. Each point is an independent GEMM (M x C weights by C x tiles), run by the direct kernel's own
/// wide tiles (6 tiles x up to 64 channels, <see cref="GemmTile{TLane,TVec}.RunWideTiles{TWidth}"/>: each tile's patch is a
/// position, its channels the taps); the transforms are additions and multiplications by small integers (B, A) or done
/// once at kernel creation (G). Not bit-identical to the direct product (the sums are taken in another order and through
/// the transforms): within a few units in the sixth digit of the layer's largest output on VGG's and cifar10's shapes.
/// </summary>
/// <remarks>
/// A task takes a chunk of whole tile rows of one image (read from padded blocked maps: the input itself, or the packing
/// phase's copy) and a range of 64-channel panels: it transforms its patches into task scratch (points x tiles x C), runs
/// each point's GEMM for its panels into a second scratch (tiles x points x its channels: a tile's products together, where
/// the product transforms read them), then transforms those into the
/// output's blocks, or into blocked rows it then transposes into planar maps. Each point's patches and products stay in
/// L2 while its GEMM runs; the transformed weights (points x C x M floats) are read once per chunk, so where they are many
/// the chunks are larger.
/// Alone, kernel against kernel on VGG's conv3_2 (Ice Lake, 1 thread): with products kept for one panel at a time and
/// chunks of 28 x 18 tiles, 1.23x faster than position tiles; point by point for all panels, 1.34x; with chunks of a
/// quarter the size (a point's patches and products within 256 KB), 1.44x. Chunks of all 196 tiles (VGG's conv4_2, 16 MB
/// of transformed weights) ran 1.30x, of 56, 1.25x.
/// </remarks>
internal sealed unsafe class WinogradTiles
{
    /// <summary>Output channels of one GEMM panel: four vectors of 16, two of the direct kernel's panels.</summary>
    private const int Panel = 64;

    /// <summary>One of the direct kernel's panels (<see cref="PanelLayout.Columns"/> on AVX-512).</summary>
    private const int HalfPanel = Panel / 2;

    /// <summary>
    /// A chunk's patches and products of every point at most (floats), where the weights are fewer: 1 MB, within L2
    /// (<see cref="ChunkRows"/>).
    /// </summary>
    private const long ScratchFloats = 256 * 1024;

    /// <summary>Task scratch at most (floats): 16 MB.</summary>
    private const long ChunkFloats = 4L << 20;

    private readonly ConvSpec _spec;

    /// <summary>The kernel's side r: 3, 4 or 5.</summary>
    private readonly int _taps;

    /// <summary>The output tile's side m: 2 or 4 (5 for a 4 x 4 kernel).</summary>
    private readonly int _tile;

    /// <summary>MACs of the direct product per output: C x r x r, or the strided convolution's own where the tiles run its phase planes.</summary>
    private readonly long _denseMacsPerOutput;

    /// <summary>Transform points per tile: the (m + r - 1) x (m + r - 1) input patch, 16, 36 or 64.</summary>
    private readonly int _points;

    private readonly float[] _weights;
    private readonly float[] _bias;

    /// <summary>Panels of the spatial channels, the ones transformed: those past <see cref="ConvSpec.PointwiseChannels"/>.</summary>
    private readonly int _panels;
    private readonly int _channelStride;

    /// <summary>The pointwise channels (<see cref="ConvSpec.PointwiseChannels"/>), the first ones: a fused fire module's 1x1 half.</summary>
    private readonly int _pointwise;

    /// <summary>Panels of the pointwise channels, which come first in <see cref="Panels"/>.</summary>
    private readonly int _pointwisePanels;

    /// <summary>The pointwise channels' centre taps, C x 64 a panel as the wide tiles read them (two halves of 32); empty for none.</summary>
    private readonly float[] _pointwiseWeights;

    /// <summary>Where channel k of a tile's patch is from its start: k (the wide tiles' offsets).</summary>
    private readonly nint[] _channelOffsets;

    /// <summary>
    /// The most input channels Winograd's tiles take on maps of any size (and the kernel transforms weights for: 16/9 of the
    /// weights again for 2 x 2 tiles of 3 x 3 kernels, 4x for 4 x 4 tiles; 36/25 for 5 x 5). In the network, against
    /// position tiles with their lists of live taps (Ice Lake, 1 thread, each layer's two kernels in one process,
    /// interleaved): VGG-16 (random weights) with 64 to 256 channels 1.07x-1.42x faster in a fast minute, 1.33x-1.65x in a
    /// slow one; ResNet18 on real images 0.72x-1.41x a layer (its lists keep as little as a third of some layers' taps),
    /// 1.06x-1.16x the whole model. More channels only on maps of many tiles (<see cref="WideInputs"/>).
    /// </summary>
    private const int MaximumChannels = 256;

    /// <summary>
    /// Up to 512 input channels where the output maps make at least <see cref="FewestTilesWide"/> tiles: each point's
    /// 1 MB of transformed weights (512 x 512) is read once per chunk, so it must serve many tiles. Whole models, 1 thread,
    /// stock ORT and the DyVE model with and without (Zen 4, one process, interleaved, real images): VGG-16 (random weights;
    /// conv4_2 and conv4_3 on 49 tiles of 4 x 4, conv5_1 to conv5_3 on 49 of 2 x 2) 1.87x -> 2.14x of stock's speed, 2 threads
    /// 1.77x -> 2.06x; ResNet18 with its 7 x 7 stage too (16 tiles of 2 x 2) 1.94x -> 1.61x, where that stage's lists keep
    /// few taps of its real inputs and 16 MB of weights serve 16 tiles. One layer on dense inputs against ORT's Conv
    /// (`dyve demo`'s vgg.conv4_2 and vgg.conv5_1): 0.97x -> 2.7x and 0.98x -> 1.65x.
    /// </summary>
    private const int MaximumWideChannels = 512;

    /// <summary>The fewest tiles of a map that takes more than <see cref="MaximumChannels"/> input channels (<see cref="WideInputs"/>).</summary>
    private const int FewestTilesWide = 32;

    /// <summary>
    /// Whether <paramref name="spec"/>'s input channels are within reach: up to <see cref="MaximumChannels"/> on any map, up
    /// to <see cref="MaximumWideChannels"/> where the output maps are known and make at least <see cref="FewestTilesWide"/>
    /// tiles (<see cref="TileFor"/>).
    /// </summary>
    private static bool WideInputs(ConvSpec spec, (int Height, int Width)? outputSize)
    {
        if (spec.InputChannels <= MaximumChannels) return true;
        if (spec.InputChannels > MaximumWideChannels || outputSize is not { Height: > 0, Width: > 0 } size) return false;
        int tile = TileFor(spec, size);
        return (long)((size.Height + tile - 1) / tile) * ((size.Width + tile - 1) / tile) >= FewestTilesWide;
    }

    /// <summary>
    /// The fewest input channels: three quarters of a block, SqueezeNet's conv1 over its phase planes (3 channels x 4
    /// phases, <see cref="ConvAlgorithm.PhasedWinograd"/>). Fewer (a network's first layer, 3 channels from a planar image
    /// at stride 1) would transform 16-lane patches mostly of zeros for a GEMM of K 3, no cheaper than the direct
    /// product's 9 or 25 taps.
    /// </summary>
    private const int MinimumChannels = 12;

    /// <summary>
    /// Whether <paramref name="spec"/> runs this way on <paramref name="path"/>, on maps of any size (<see cref="PatchGeometry"/>):
    /// 3 x 3, 4 x 4 (a strided kernel's phases, <see cref="PhaseSplit"/>) or 5 x 5, stride 1, no dilation, one group, <see cref="MinimumChannels"/> to <see cref="MaximumChannels"/>
    /// input channels (more on <paramref name="outputSize"/> where it makes many tiles, <see cref="WideInputs"/>), output channels in whole 16-channel blocks, exact (no approximate mechanism), AVX-512. Pointwise
    /// channels (a fused fire module's 1x1 half, <see cref="ConvSpec.PointwiseChannels"/>) are multiplied directly, their
    /// centre taps only, beside the spatial channels' tiles (not with a residual). Maps blocked or planar, in and out: planar input is copied into padded blocked maps by the packing phase, as
    /// for position tiles (<see cref="PlanarBlocks"/>); planar output is transposed from blocked rows of a chunk
    /// (<see cref="ChannelMaps"/>; a residual needs blocked output, <see cref="ConvSpec.Residual"/>).
    /// </summary>
    public static bool Applies(ConvSpec spec, SimdPath path, (int Height, int Width)? outputSize = null) =>
        path == SimdPath.Vector512 && spec.InputChannels >= MinimumChannels && WideInputs(spec, outputSize) && spec.KernelHeight is 3 or 4 or 5
        && spec.KernelWidth == spec.KernelHeight && spec.StrideHeight == 1 && spec.StrideWidth == 1
        && spec.DilationHeight == 1 && spec.DilationWidth == 1 && spec.Group == 1 && spec.OutputChannels % BlockedMaps.Block == 0
        && !(spec.PointwiseChannels > 0 && spec.Residual) && spec.SdssDelta == 0 && spec.SpetPrefix == 0 && spec.SfmaDelta == 0 && spec.SfmaPairCount == 0;

    /// <summary>
    /// The geometry the patches are read in: output maps rounded up to whole tiles, the padded input one row (column) of
    /// zeros longer at the bottom (right) where they were odd, so a last tile's patch ends inside it. Its outputs past the
    /// real maps are computed and not stored (ResNet18's 7 x 7 stage: 16 tiles for 49 outputs; SqueezeNet's 55 x 55: 784
    /// for 3025).
    /// </summary>
    public ConvGeometry PatchGeometry(in ConvGeometry geometry)
    {
        int height = (geometry.OutputHeight + _tile - 1) / _tile * _tile, width = (geometry.OutputWidth + _tile - 1) / _tile * _tile;
        return geometry with
        {
            OutputHeight = height, OutputWidth = width,
            PadBottom = geometry.PadBottom + height - geometry.OutputHeight, PadRight = geometry.PadRight + width - geometry.OutputWidth,
        };
    }

    /// <summary>The fewest 4 x 4 tiles a map of a 3 x 3 kernel takes F(4 x 4, 3 x 3) on (<see cref="TileFor"/>).</summary>
    private const int FewestTiles3 = 16;

    /// <summary>The fewest 4 x 4 tiles a map of a 5 x 5 kernel takes F(4 x 4, 5 x 5) on (<see cref="TileFor"/>).</summary>
    private const int FewestTiles5 = 4;

    /// <summary>
    /// The output tile for <paramref name="spec"/> on output maps of <paramref name="outputSize"/> (null: not known when the
    /// kernel is made): 4 x 4 where the maps give at least 16 tiles of 4 x 4 and the last row and column of tiles waste at
    /// most 15% of the outputs computed, else 2 x 2. F(4 x 4, 3 x 3) has 36 products per 16 outputs
    /// where F(2 x 2) has 64, but reads each point's weights for a quarter as many tiles. Kernel alone against F(2 x 2)
    /// (Ice Lake, 1 thread, one process): 1.75x-1.78x faster on 64 channels of 56 x 56, 1.39x-1.49x on 28 x 28 (128 and
    /// 256 channels), 1.40x-1.44x on 27 x 27, 1.32x-1.57x on 16 x 16 to 24 x 24; 0.78x-1.06x on 14 x 14 (31% of the outputs
    /// computed wasted), 0.97x-1.01x on 13 x 13, 0.79x-1.04x on 7 x 7. F(4 x 4, 5 x 5) has 64 products per 16 outputs where
    /// F(2 x 2, 5 x 5) has 144, and its transforms cost less per output too (38 and 16.5 operations against 66 and 18):
    /// 1.52x faster on cifar10's conv2 (32 channels of 16 x 16), 1.80x on 64 channels of 32 x 32, and on cifar10's conv3
    /// (32 -> 64 channels of 8 x 8: 4 tiles, where 2 x 2 tiles make 16) 1.3x in one task (21-22 us against 28-29), the
    /// same in two (34 against 36), so from 4 tiles.
    /// </summary>
    public static int TileFor(ConvSpec spec, (int Height, int Width)? outputSize)
    {
        // A 4 x 4 kernel has one form, F(5 x 5, 4 x 4) over the same eight points as F(4 x 4, 5 x 5).
        if (spec.KernelHeight == 4) return 5;
        if (outputSize is not { Height: > 0, Width: > 0 } size) return 2;
        long tilesY = (size.Height + 3) / 4, tilesX = (size.Width + 3) / 4;
        long computed = 16 * tilesY * tilesX, outputs = (long)size.Height * size.Width;
        long fewest = spec.KernelHeight == 5 ? FewestTiles5 : FewestTiles3;
        return tilesY * tilesX >= fewest && computed * 100 <= outputs * 115 ? 4 : 2;
    }

    /// <param name="weights">M x C x r x r, row-major.</param>
    /// <param name="bias">M values, or empty for none.</param>
    /// <param name="tile">The output tile's side: 2 or 4, 5 for a 4 x 4 kernel (<see cref="TileFor"/>).</param>
    /// <param name="denseMacsPerOutput">
    /// MACs per output of the convolution these tiles compute, where it is not <paramref name="spec"/>'s own: a strided
    /// convolution's over its phase planes (<see cref="ConvAlgorithm.PhasedWinograd"/>), whose zero taps are not its work.
    /// </param>
    public WinogradTiles(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int tile, long? denseMacsPerOutput = null)
    {
        if (spec.KernelHeight == 4 ? tile != 5 : tile is not (2 or 4))
            throw new ArgumentException($"Winograd's tiles of {tile} x {tile} outputs do not apply to a {spec.KernelHeight} x {spec.KernelWidth} kernel");
        _spec = spec;
        _taps = spec.KernelHeight;
        _tile = tile;
        _denseMacsPerOutput = denseMacsPerOutput ?? spec.ReductionLength;
        _points = (_tile + _taps - 1) * (_tile + _taps - 1);
        int m = spec.OutputChannels, c = spec.InputChannels;
        _pointwise = spec.PointwiseChannels;
        _pointwisePanels = (_pointwise + Panel - 1) / Panel;
        _panels = (m - _pointwise + Panel - 1) / Panel;
        _channelStride = BlockedMaps.Blocks(c) * BlockedMaps.Block;
        _bias = GC.AllocateArray<float>(m, pinned: true);
        bias.CopyTo(_bias);
        _channelOffsets = GC.AllocateArray<nint>(c, pinned: true);
        for (int k = 0; k < c; k++) _channelOffsets[k] = k;
        int side = _tile + _taps - 1, taps = _taps * _taps;
        _pointwiseWeights = GC.AllocateArray<float>(checked(_pointwisePanels * c * Panel), pinned: true);
        for (int output = 0; output < _pointwise; output++)
            for (int input = 0; input < c; input++)
                _pointwiseWeights[PanelIndex(output, input)] = weights[(output * c + input) * taps + spec.CentreTap];
        // U = G g G^T, per point and 64 spatial output channels (channels past M zero) as the pointwise ones.
        _weights = GC.AllocateArray<float>(checked(_points * _panels * c * Panel), pinned: true);
        double[,] g = (_taps, _tile) switch { (3, 2) => Filter3, (3, _) => Filter43, (4, _) => Filter54, (_, 2) => Filter5, _ => Filter45 };
        Span<double> rows = stackalloc double[side * _taps];
        for (int output = _pointwise; output < m; output++)
            for (int input = 0; input < c; input++)
            {
                ReadOnlySpan<float> kernel = weights.Slice((output * c + input) * taps, taps);
                // G g (side x r), then (G g) G^T (side x side), in double: the weights are rounded once.
                for (int i = 0; i < side; i++)
                    for (int j = 0; j < _taps; j++)
                    {
                        double sum = 0;
                        for (int k = 0; k < _taps; k++) sum += g[i, k] * kernel[k * _taps + j];
                        rows[i * _taps + j] = sum;
                    }
                for (int i = 0; i < side; i++)
                    for (int j = 0; j < side; j++)
                    {
                        double sum = 0;
                        for (int k = 0; k < _taps; k++) sum += rows[i * _taps + k] * g[j, k];
                        Set(i * side + j, output, input, (float)sum);
                    }
            }
    }

    /// <summary>G of F(2, 3), points 0, 1, -1 and infinity (B^T and A^T in <see cref="TransformPatches4"/> and <see cref="TwoFromFour"/>).</summary>
    private static readonly double[,] Filter3 = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };

    /// <summary>G of F(4, 3), points 0, 1, -1, 2, -2 and infinity (B^T that of F(2, 5), <see cref="SixPoints"/>; A^T in <see cref="FourFromSix"/>).</summary>
    private static readonly double[,] Filter43 =
    {
        { 1 / 4.0, 0, 0 },
        { -1 / 6.0, -1 / 6.0, -1 / 6.0 },
        { -1 / 6.0, 1 / 6.0, -1 / 6.0 },
        { 1 / 24.0, 1 / 12.0, 1 / 6.0 },
        { 1 / 24.0, -1 / 12.0, 1 / 6.0 },
        { 0, 0, 1 },
    };

    /// <summary>
    /// G of F(2, 5), points 0, 1, -1, 2, -2 and infinity: row p is (a_p^k / prod over q != p of (a_p - a_q)) for k = 0..4,
    /// the last row picks the last tap (B^T and A^T in <see cref="SixPoints"/> and <see cref="TwoFromSix"/>).
    /// </summary>
    private static readonly double[,] Filter5 =
    {
        { 1 / 4.0, 0, 0, 0, 0 },
        { -1 / 6.0, -1 / 6.0, -1 / 6.0, -1 / 6.0, -1 / 6.0 },
        { -1 / 6.0, 1 / 6.0, -1 / 6.0, 1 / 6.0, -1 / 6.0 },
        { 1 / 24.0, 1 / 12.0, 1 / 6.0, 1 / 3.0, 2 / 3.0 },
        { 1 / 24.0, -1 / 12.0, 1 / 6.0, -1 / 3.0, 2 / 3.0 },
        { 0, 0, 0, 0, 1 },
    };

    /// <summary>
    /// G of F(4, 5), points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity, as <see cref="Filter5"/> (B^T and A^T in
    /// <see cref="EightPoints"/> and <see cref="FourFromEight"/>).
    /// </summary>
    private static readonly double[,] Filter45 =
    {
        { -1, 0, 0, 0, 0 },
        { -2 / 9.0, -2 / 9.0, -2 / 9.0, -2 / 9.0, -2 / 9.0 },
        { -2 / 9.0, 2 / 9.0, -2 / 9.0, 2 / 9.0, -2 / 9.0 },
        { 1 / 90.0, 1 / 45.0, 2 / 45.0, 4 / 45.0, 8 / 45.0 },
        { 1 / 90.0, -1 / 45.0, 2 / 45.0, -4 / 45.0, 8 / 45.0 },
        { 32 / 45.0, 16 / 45.0, 8 / 45.0, 4 / 45.0, 2 / 45.0 },
        { 32 / 45.0, -16 / 45.0, 8 / 45.0, -4 / 45.0, 2 / 45.0 },
        { 0, 0, 0, 0, 1 },
    };

    /// <summary>
    /// G of F(5, 4), the points of <see cref="Filter45"/>: its rows' first four entries (a_p^k over the same products), the
    /// last row picking the last tap (B^T and A^T in <see cref="EightPoints"/> and <see cref="FiveFromEight"/>).
    /// </summary>
    private static readonly double[,] Filter54 =
    {
        { -1, 0, 0, 0 },
        { -2 / 9.0, -2 / 9.0, -2 / 9.0, -2 / 9.0 },
        { -2 / 9.0, 2 / 9.0, -2 / 9.0, 2 / 9.0 },
        { 1 / 90.0, 1 / 45.0, 2 / 45.0, 4 / 45.0 },
        { 1 / 90.0, -1 / 45.0, 2 / 45.0, -4 / 45.0 },
        { 32 / 45.0, 16 / 45.0, 8 / 45.0, 4 / 45.0 },
        { 32 / 45.0, -16 / 45.0, 8 / 45.0, -4 / 45.0 },
        { 0, 0, 0, 1 },
    };

    /// <summary>U of spatial channel <paramref name="output"/> (counted from the first, past the pointwise ones) at one point.</summary>
    private void Set(int point, int output, int input, float value) =>
        _weights[(long)point * _panels * _spec.InputChannels * Panel + PanelIndex(output - _pointwise, input)] = value;

    /// <summary>
    /// Where weight (output, input) sits in panels of 64 output channels as the direct kernel's wide tiles read them: two
    /// halves of 32, the first 32 channels' rows, input channel after input channel, then the next 32's.
    /// </summary>
    private long PanelIndex(int output, int input) =>
        (long)output / Panel * _spec.InputChannels * Panel + (output % Panel / HalfPanel * _spec.InputChannels + input) * HalfPanel + output % HalfPanel;

    /// <summary>The output tile's side: 2, 4 or 5.</summary>
    public int Tile => _tile;

    /// <summary>The first output channel of spatial panel <paramref name="panel"/>.</summary>
    private int Channel(int panel) => _pointwise + panel * Panel;

    /// <summary>Panels of 64 output channels: the pointwise channels' first, then the spatial ones'.</summary>
    public int Panels => _pointwisePanels + _panels;

    /// <summary>
    /// Tile rows per chunk: the patches and products of every point (points x tiles x (C + M) floats) within
    /// <see cref="ScratchFloats"/>, so that the product transforms, which read each tile's products at every point, find
    /// them in L2; where the transformed weights are more, within their size (they stream once per chunk, so that more
    /// tiles share each reading); at most <see cref="ChunkFloats"/> (the plan rounds the number of chunks to the nearest,
    /// so a chunk may take up to half as many rows again). The rule before fire modules ran here bounded one point's
    /// patches and products by 256 KB, which made chunks of a whole map where C is small beside M (SqueezeNet's fire2 to
    /// fire4: 16 or 32 input channels, 128 or 256 output channels of 55 x 55, 4.5 MB of scratch in one chunk). In the
    /// network on real images, both rules in one process (Ice Lake, 1 thread): fire4 1.11-1.13 ms against 1.51-1.55,
    /// fire2 0.48-0.49 against 0.55-0.56, the whole of SqueezeNet 10.52-10.57 ms against 11.33-11.64; VGG-16 140-153 ms
    /// against 146-154; ResNet18 unchanged (22.8-23.0 against 22.5-23.0).
    /// </summary>
    public int ChunkRows(in ConvGeometry geometry)
    {
        int tilesX = (geometry.OutputWidth + _tile - 1) / _tile, tilesY = (geometry.OutputHeight + _tile - 1) / _tile;
        long perTile = _channelStride + (long)_panels * Panel;
        long tiles = Math.Min(Math.Max(ScratchFloats, _weights.Length), ChunkFloats) / (_points * perTile);
        return (int)Math.Clamp(tiles / tilesX, 1, tilesY);
    }

    /// <summary>
    /// Floats from one point's patches to the next (or one tile's products to the next): theirs and a cache line more. Where a point's are a multiple
    /// of 4 KB (64 tiles of 32 channels: cifar10's conv2), the same tile of every point would fall in one set of L1, 36
    /// lines in 12 ways, at each transform; a line apart they fall in 36 sets. Alone (Ice Lake, 1 thread, interleaved
    /// runs): cifar10's conv2 70 us against 77, conv3 28.7 against 30, VGG's conv3-stage shape (128 channels, 28 x 28)
    /// 1.00-1.05 ms against 1.13-1.18.
    /// </summary>
    private static nint PointStride(nint floats) => floats + BlockedMaps.Block;

    /// <summary>
    /// One task of a run planned by <see cref="ConvKernel"/>: <paramref name="padded"/> is the image's padded blocked
    /// input (Blocks(C) planes of height x width x 16 of <see cref="PatchGeometry"/>), <paramref name="output"/> and <paramref name="residual"/>
    /// (or null) the image's output (blocked or planar, as the spec says) and the residual added before the activation.
    /// <paramref name="firstTile"/> starts a tile row.
    /// </summary>
    public void RunTask(in ConvGeometry geometry, float* padded, float* output, float* residual, int firstTile, int tiles,
        int firstPanel, int lastPanel, KernelCounters counters)
    {
        if (tiles <= 0) return;
        ConvGeometry patchGeometry = PatchGeometry(geometry);
        int tilesX = patchGeometry.OutputWidth / _tile;
        int firstRow = firstTile / tilesX * _tile, rows = Math.Min(tiles / tilesX * _tile, geometry.OutputHeight - firstRow);
        if (firstPanel < _pointwisePanels)
            RunPointwise(patchGeometry, geometry.OutputWidth, geometry.OutputSize, padded, output, firstRow, rows, firstPanel, Math.Min(lastPanel, _pointwisePanels), counters);
        int first = Math.Max(firstPanel - _pointwisePanels, 0), last = Math.Min(lastPanel - _pointwisePanels, _panels);
        if (first < last) RunSpatial(geometry, patchGeometry, padded, output, residual, firstTile, tiles, firstRow, rows, first, last, counters);
    }

    /// <summary>
    /// The pointwise panels [<paramref name="firstPanel"/>, <paramref name="lastPanel"/>) over output rows [<paramref name="firstRow"/>,
    /// + <paramref name="rows"/>): each position's centre tap in the padded input times the centre weights, by the direct
    /// kernel's wide tiles, finished (bias, activation) straight into the output's blocks.
    /// </summary>
    private void RunPointwise(in ConvGeometry patchGeometry, int width, nint outputSize, float* padded, float* output, int firstRow, int rows,
        int firstPanel, int lastPanel, KernelCounters counters)
    {
        const int block = BlockedMaps.Block;
        int c = _spec.InputChannels;
        int positions = rows * width;
        nint plane = PaddedTaps.Plane(patchGeometry) * block, outputPlane = outputSize * block;
        nint* origins = (nint*)ScratchArena.Rent((positions + c) * (sizeof(nint) / sizeof(float)));
        nint* offsets = origins + positions;
        for (int k = 0; k < c; k++) offsets[k] = k / block * plane + k % block;
        int centreY = _spec.KernelHeight / 2, centreX = _spec.KernelWidth / 2;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < width; x++)
                origins[y * width + x] = (nint)((firstRow + y + centreY) * patchGeometry.PaddedWidth + x + centreX) * block;
        var passes = KSegments.All(c);
        fixed (float* weights = _pointwiseWeights)
        fixed (float* bias = _bias)
            for (int panel = firstPanel; panel < lastPanel; panel++)
            {
                float* left = weights + (nint)panel * c * Panel;
                int vectors = Math.Min(Panel, _pointwise - panel * Panel) / block;
                var epilogue = new TileEpilogue(bias + panel * Panel, 0, 1, 1f, _spec.Activation);
                float* target = output + panel * Panel / block * outputPlane + (nint)firstRow * width * block;
                for (int pass = 0; pass < passes.Count; pass++)
                    GemmTile<Lane512, Vector512<float>>.RunWideTiles(vectors, padded, origins, positions, offsets, left, left + (nint)c * HalfPanel,
                        passes, pass, pass + 1, target, block, accumulate: pass > 0, finish: pass == passes.Count - 1, epilogue, outputPlane);
            }
        long outputs = (long)positions * (Math.Min(_pointwise, lastPanel * Panel) - firstPanel * Panel);
        counters.Add(outputs * c, outputs * c, outputs);
    }

    /// <summary>
    /// The spatial panels [<paramref name="firstPanel"/>, <paramref name="lastPanel"/>) (counted past the pointwise ones)
    /// of tiles [<paramref name="firstTile"/>, + <paramref name="tiles"/>), output rows [<paramref name="firstRow"/>, + <paramref name="rows"/>).
    /// </summary>
    private void RunSpatial(in ConvGeometry geometry, in ConvGeometry patchGeometry, float* padded, float* output, float* residual, int firstTile,
        int tiles, int firstRow, int rows, int firstPanel, int lastPanel, KernelCounters counters)
    {
        int c = _spec.InputChannels;
        // Products of a group of the task's panels at a time, [tile][point][its channels]: all of them, or one where a chunk
        // of one tile row (which ChunkRows cannot make smaller) would not keep its patches, products and weights in L2
        // (ScratchFloats). SqueezeNet's conv1 over its phase planes, 23 tiles x 64 points: 850 KB of scratch and 393 KB of
        // weights for all (96) channels at once; alone (Ice Lake, 1 thread, one process) 1.03x-1.09x faster a panel at a time.
        int taskPanels = lastPanel - firstPanel, tilesX = patchGeometry.OutputWidth / _tile;
        long footprint = (long)_points * (tiles * (_channelStride + (long)taskPanels * Panel) + (long)taskPanels * c * Panel);
        int group = tiles <= tilesX && footprint > ScratchFloats ? 1 : taskPanels;
        nint ldc = (nint)group * Panel;
        nint patchStride = PointStride(tiles * _channelStride), tileStride = PointStride(_points * ldc);
        // Planar output: the chunk's rows of the task's channels, blocked, before they are transposed into the maps.
        bool planar = _spec.OutputLayout == MapLayout.Planar;
        nint rowsFloats = (nint)rows * geometry.OutputWidth * BlockedMaps.Block, staged = planar ? taskPanels * Panel / BlockedMaps.Block * rowsFloats : 0;
        float* patches = ScratchArena.Rent(_points * patchStride + tiles * tileStride + staged + tiles * (sizeof(nint) / sizeof(float)));
        float* products = patches + _points * patchStride;
        float* staging = products + tiles * tileStride;
        // Each tile's patch, from its point's first: the wide tiles' origins.
        nint* origins = (nint*)(staging + staged);
        for (int t = 0; t < tiles; t++) origins[t] = (nint)t * _channelStride;
        if (_points == 16) TransformPatches4(patchGeometry, padded, firstTile, tiles, patches, patchStride);
        else if (_points == 36) TransformPatches<SixPoints>(patchGeometry, padded, firstTile, tiles, patches, patchStride);
        else TransformPatches<EightPoints>(patchGeometry, padded, firstTile, tiles, patches, patchStride);
        var passes = KSegments.All(c);
        fixed (float* weights = _weights)
        fixed (float* bias = _bias)
        fixed (nint* offsets = _channelOffsets)
        {
            nint pitch = (nint)geometry.OutputWidth * BlockedMaps.Block, outputPlane = (nint)geometry.OutputSize * BlockedMaps.Block;
            var store = new TileStores(geometry.OutputWidth, rows, tilesX, _tile);
            for (int first = firstPanel; first < lastPanel; first += group)
            {
                int last = Math.Min(lastPanel, first + group);
                // Point by point, a pass of channels at a time (the direct kernel's wide tiles, 6 tiles x 64 channels, sums in
                // registers through a pass): the point's patches and products stay in L2, a pass of a panel's weights in L1.
                for (int point = 0; point < _points; point++)
                    for (int pass = 0; pass < passes.Count; pass++)
                        for (int panel = first; panel < last; panel++)
                        {
                            float* left = weights + ((nint)point * _panels + panel) * c * Panel;
                            // A last panel of 48 or 32 channels (cifar10's 32) runs three or two vectors, not four with zeros.
                            int vectors = Math.Min(Panel, _spec.OutputChannels - Channel(panel)) / BlockedMaps.Block;
                            GemmTile<Lane512, Vector512<float>>.RunWideTiles(vectors, patches + point * patchStride, origins,
                                tiles, offsets, left, left + (nint)c * HalfPanel, passes, pass, pass + 1,
                                products + point * ldc + (panel - first) * Panel, tileStride, accumulate: pass > 0, finish: false,
                                default, BlockedMaps.Block);
                        }
                // Where the panel's outputs go: the output's blocks at the chunk's first row, or the staging rows.
                for (int panel = first; panel < last; panel++)
                {
                    nint at = planar ? (panel - firstPanel) * Panel / BlockedMaps.Block * rowsFloats : Channel(panel) / BlockedMaps.Block * outputPlane + firstRow * pitch;
                    float* target = (planar ? staging : output) + at;
                    float* z = residual == null ? null : residual + at;
                    nint plane = planar ? rowsFloats : outputPlane;
                    float* m = products + (panel - first) * Panel;
                    if (_points == 16) TransformProducts<TwoFromFour>(store, m, tileStride, ldc, tiles, panel, bias, target, z, plane);
                    else if (_tile == 2) TransformProducts<TwoFromSix>(store, m, tileStride, ldc, tiles, panel, bias, target, z, plane);
                    else if (_tile == 5) TransformProducts<FiveFromEight>(store, m, tileStride, ldc, tiles, panel, bias, target, z, plane);
                    else if (_points == 64) TransformProducts<FourFromEight>(store, m, tileStride, ldc, tiles, panel, bias, target, z, plane);
                    else TransformProducts<FourFromSix>(store, m, tileStride, ldc, tiles, panel, bias, target, z, plane);
                }
            }
            if (planar)
            {
                int first = Channel(firstPanel), end = Math.Min(_spec.OutputChannels, Channel(lastPanel));
                for (int channel = first; channel < end; channel += BlockedMaps.Block)
                    ChannelMaps.Store(staging + (channel - first) / BlockedMaps.Block * rowsFloats, BlockedMaps.Block, rows * geometry.OutputWidth, BlockedMaps.Block,
                        output + channel * (nint)geometry.OutputSize + (nint)firstRow * geometry.OutputWidth, geometry.OutputSize, SimdPath.Vector512);
            }
        }
        int channels = Math.Min(_spec.OutputChannels, Channel(lastPanel)) - Channel(firstPanel);
        long outputs = (long)rows * geometry.OutputWidth * channels;
        counters.Add((long)_points * tiles * c * channels, outputs * _denseMacsPerOutput, outputs);
        // B^T d B and A^T m A, per patch and channel and per tile and output channel: 32 and 24 additions for 4 x 4 patches;
        // 12 x 22 and 8 x 9 operations (a fused multiply-add counted as two) for 6 x 6 ones into 2 x 2 tiles, 10 x 13 into 4 x 4;
        // 16 x 38 for 8 x 8 ones, and 12 x 22 into 4 x 4 tiles, 13 x 26 into 5 x 5.
        long patchOperations = _points switch { 16 => 32, 36 => 12 * SixPoints.Operations, _ => 16 * EightPoints.Operations };
        long productOperations = (_points, _tile) switch { (16, _) => 24, (36, 2) => 72, (36, _) => 130, (_, 4) => 264, _ => 338 };
        counters.AddOverhead(patchOperations * tiles * c + productOperations * tiles * channels);
    }

    /// <summary>V[point][tile][channel] = (B^T d B) of each tile's 4 x 4 patch, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformPatches4(in ConvGeometry geometry, float* padded, int firstTile, int tiles, float* patches, nint p)
    {
        const int block = BlockedMaps.Block;
        int tilesX = geometry.OutputWidth / 2;
        nint pitch = (nint)geometry.PaddedWidth * block, plane = (nint)(geometry.PaddedHeight * geometry.PaddedWidth) * block;
        for (int b = 0; b < _channelStride / block; b++)
            for (int t = 0; t < tiles; t++)
            {
                int tile = firstTile + t;
                float* s = padded + b * plane + (nint)(tile / tilesX) * 2 * pitch + (nint)(tile % tilesX) * 2 * block;
                float* o = patches + (nint)t * _channelStride + b * block;
                // B^T d: row i of the result, column by column, in registers; then each row times B into its four points.
                Rows(s, pitch, out var r00, out var r10, out var r20, out var r30);
                Rows(s + block, pitch, out var r01, out var r11, out var r21, out var r31);
                Rows(s + 2 * block, pitch, out var r02, out var r12, out var r22, out var r32);
                Rows(s + 3 * block, pitch, out var r03, out var r13, out var r23, out var r33);
                Columns(o, p, r00, r01, r02, r03);
                Columns(o + 4 * p, p, r10, r11, r12, r13);
                Columns(o + 8 * p, p, r20, r21, r22, r23);
                Columns(o + 12 * p, p, r30, r31, r32, r33);
            }
    }

    /// <summary>B^T times one column of the patch: (d0 - d2, d1 + d2, d2 - d1, d1 - d3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(float* s, nint pitch, out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3)
    {
        var d0 = Vector512.Load(s);
        var d1 = Vector512.Load(s + pitch);
        var d2 = Vector512.Load(s + 2 * pitch);
        var d3 = Vector512.Load(s + 3 * pitch);
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    /// <summary>One row of B^T d times B, stored to its four points (<paramref name="pointStride"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(float* o, nint pointStride, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3)
    {
        (t0 - t2).Store(o);
        (t1 + t2).Store(o + pointStride);
        (t2 - t1).Store(o + 2 * pointStride);
        (t1 - t3).Store(o + 3 * pointStride);
    }

    /// <summary>
    /// V[point][tile][channel] = (B^T d B) of each tile's patch of side <typeparamref name="TPatch"/>: the columns' B^T d
    /// through a stack block of side x side vectors (36 or 64 sums and the loads do not fit in 32 registers), then each of
    /// its rows times B into its points.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformPatches<TPatch>(in ConvGeometry geometry, float* padded, int firstTile, int tiles, float* patches, nint p)
        where TPatch : struct, IWinogradPatch
    {
        const int block = BlockedMaps.Block;
        int side = TPatch.Side, tilesX = geometry.OutputWidth / _tile;
        nint pitch = (nint)geometry.PaddedWidth * block, plane = (nint)(geometry.PaddedHeight * geometry.PaddedWidth) * block;
        // Aligned to a cache line: a vector stored across two lines is not forwarded to the load that reads it back.
        byte* room = stackalloc byte[65 * 64];
        float* rows = (float*)(((nint)room + 63) & ~(nint)63);
        nint rowFloats = side * block;
        for (int b = 0; b < _channelStride / block; b++)
            for (int t = 0; t < tiles; t++)
            {
                int tile = firstTile + t;
                float* s = padded + b * plane + (nint)(tile / tilesX) * _tile * pitch + (nint)(tile % tilesX) * _tile * block;
                float* o = patches + (nint)t * _channelStride + b * block;
                for (int j = 0; j < side; j++) TPatch.Apply(s + j * block, pitch, rows + j * block, rowFloats);
                for (int i = 0; i < side; i++) TPatch.Apply(rows + i * rowFloats, block, o + side * i * p, p);
            }
    }

    /// <summary>
    /// Y = A^T m A of each tile and block of the panel (<typeparamref name="TForm"/>), plus bias (and residual), activated,
    /// into blocked rows: <paramref name="output"/> (and <paramref name="residual"/>) at the panel's first block and the
    /// chunk's first row, <paramref name="plane"/> floats a block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformProducts<TForm>(in TileStores store, float* products, nint ldc, nint pointStride, int tiles, int panel, float* bias,
        float* output, float* residual, nint plane)
        where TForm : struct, IWinogradProducts
    {
        int block = BlockedMaps.Block;
        Activation activation = _spec.Activation;
        int blocks = Math.Min(Panel, _spec.OutputChannels - Channel(panel)) / block;
        for (int t = 0; t < tiles; t++)
            for (int q = 0; q < blocks; q++)
                TForm.Transform(products + t * ldc + q * block, pointStride, store, store.Origin(q * plane, t), Vector512.Load(bias + Channel(panel) + q * block),
                    output, residual, activation);
    }
}
