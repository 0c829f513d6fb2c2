using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Winograd's F(2 x 2, 3 x 3), F(2 x 2, 5 x 5), F(4 x 4, 3 x 3), F(4 x 4, 5 x 5) and F(5 x 5, 4 x 4) tiles (<see cref="ConvAlgorithm.Winograd"/>, AVX-512) against the scalar
/// reference: input channels ending mid-block, one to several 64-channel panels (a last one of 16, 32 or 48 channels),
/// padding on every side, none (read in place) and uneven, every activation, no bias, a residual, two images, blocked or
/// planar maps in and out; and where it may not run, and what it counts.
/// </summary>
public sealed class WinogradTests
{
    private static ConvLayer Same(int batch, int channels, int height, int width, int outputs) =>
        new(batch, channels, height, width, outputs, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };

    private static ConvLayer Five(int batch, int channels, int height, int width, int outputs) =>
        new(batch, channels, height, width, outputs, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu };

    private static readonly ConvLayer[] Layers =
    [
        Same(1, 16, 2, 2, 64),
        Same(1, 21, 6, 8, 48),
        Same(2, 40, 8, 6, 80),
        // Several panels, channels past one pass of 128, tiles not a multiple of six.
        Same(1, 200, 10, 14, 192) with { Activation = LayerActivation.LeakyRelu(0.1f) },
        Same(1, 64, 28, 28, 128) with { HasBias = false, Activation = LayerActivation.Clip(0.25f, 6f) },
        // No padding: the blocked input read in place; uneven padding that still makes even maps.
        new(1, 32, 10, 12, 64, 3, 3) { HasBias = true },
        new(1, 24, 9, 7, 32, 3, 3) { PadTop = 0, PadBottom = 1, PadLeft = 2, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // Many tiles in one chunk (weights outweighing the patches), a lone tile row.
        Same(1, 256, 6, 6, 512),
        Same(1, 48, 2, 30, 96),
        // 5 x 5: cifar10_quick's conv2 and conv3 (a lone panel of 32 channels; one of 64), a last panel of 48 and of 16,
        // channels ending mid-block, several panels and passes, no padding, uneven padding, two images.
        Five(1, 32, 16, 16, 32),
        Five(1, 32, 8, 8, 64),
        Five(2, 20, 6, 10, 48) with { Activation = LayerActivation.LeakyRelu(0.1f) },
        Five(1, 17, 4, 12, 16) with { HasBias = false },
        Five(1, 150, 10, 6, 208) with { Activation = LayerActivation.Clip(0.25f, 6f) },
        new(1, 16, 10, 8, 32, 5, 5) { HasBias = true },
        new(1, 24, 9, 7, 32, 5, 5) { PadTop = 1, PadBottom = 2, PadLeft = 3, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu },
        // Odd maps (a last row and column of half tiles): ResNet18's 7 x 7 stage, SqueezeNet's 13 x 13, an odd height and
        // even width and the reverse, no padding (a copy all the same: the patches read a row past the input), two images.
        Same(1, 32, 7, 7, 64),
        Same(1, 48, 13, 13, 96) with { Activation = LayerActivation.LeakyRelu(0.1f) },
        Five(2, 20, 9, 8, 48),
        new(1, 16, 11, 10, 32, 3, 3) { HasBias = true },
        Five(1, 32, 5, 3, 32),
        Same(1, 16, 1, 1, 16),
        // 5 x 5 kernels on a map of 16 tiles of 4 x 4 (cifar10's conv2 map), two panels.
        Five(1, 24, 16, 16, 128),
        // 4 x 4 kernels (a strided kernel's phases: F(5 x 5, 4 x 4)) from 12 channels (three quarters of a block), uneven
        // padding, maps ending mid-tile, two images, several panels.
        new(1, 12, 13, 11, 32, 4, 4) { PadTop = 1, PadBottom = 2, PadLeft = 2, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 20, 10, 9, 48, 4, 4) { HasBias = true, Activation = LayerActivation.LeakyRelu(0.1f) },
        new(1, 40, 17, 17, 160, 4, 4) { PadTop = 2, PadBottom = 1, PadLeft = 2, PadRight = 1, HasBias = false },
        // 2 x 2 tiles of 5 x 5 for the counts, two panels.
        new(1, 16, 10, 10, 128, 4, 4) { PadTop = 1, PadBottom = 2, PadLeft = 1, PadRight = 2, HasBias = true },
        // A lone tile row whose products and weights would overflow L2 for all its panels: one panel's at a time.
        Same(1, 64, 2, 120, 192) with { Activation = LayerActivation.LeakyRelu(0.1f) },
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, Layers.Length));

    private static bool HasAvx512 => SimdPaths.Best >= SimdPath.Vector512;

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_scalar_reference(int shape)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 300 + shape);
        float[] input = LayerParameters.Uniform(new Random(310 + shape), LayerParameters.Count(layer.InputShape()));
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        var kernel = new ConvKernel(Blocked(layer), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.Winograd);
        Assert.Equal(ConvAlgorithm.Winograd, work.Algorithm);
        string context = $"shape {shape}: {layer}";
        int plane = layer.Height * layer.Width;
        float[] output = BlockedConvTests.Run(kernel, work, BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN), layer, context);
        OutputComparison.AssertClose(reference, output, context);
    }

    public static TheoryData<int, MapLayout, MapLayout, int> LayoutAndTileCases()
    {
        var cases = new TheoryData<int, MapLayout, MapLayout, int>();
        foreach (int shape in new[] { 0, 2, 3, 5, 6, 9, 11, 14, 15, 16, 18, 19 })
        {
            cases.Add(shape, MapLayout.Planar, MapLayout.Blocked, 2);
            cases.Add(shape, MapLayout.Blocked, MapLayout.Planar, 2);
            cases.Add(shape, MapLayout.Planar, MapLayout.Planar, 2);
        }
        foreach (int shape in Enumerable.Range(0, Layers.Length))
            cases.Add(shape, MapLayout.Blocked, MapLayout.Blocked, 4);
        foreach (int shape in new[] { 2, 6, 11, 15, 16, 18 })
            cases.Add(shape, MapLayout.Planar, MapLayout.Planar, 4);
        cases.Add(27, MapLayout.Planar, MapLayout.Planar, 2);
        cases.Add(27, MapLayout.Blocked, MapLayout.Planar, 2);
        return cases;
    }

    /// <summary>
    /// Planar input (copied into padded blocked maps by the packing phase, even without padding) and planar output (each
    /// chunk's blocked rows transposed into the maps), alone and together, with a residual into blocked output; and
    /// 4 x 4 tiles, chosen where the session's shapes say large maps (<see cref="WinogradTiles.TileFor"/>): the kernel is
    /// told of 64 x 64 inputs and run on each shape's own, so partial tiles of every kind (a map of one tile, of 1 x 1, of 3
    /// rows past a whole tile) are covered.
    /// </summary>
    [Theory]
    [MemberData(nameof(LayoutAndTileCases))]
    public void Matches_scalar_reference_on_either_layout_and_tile(int shape, MapLayout inputLayout, MapLayout outputLayout, int tile)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 350 + shape);
        float[] input = LayerParameters.Uniform(new Random(360 + shape), LayerParameters.Count(layer.InputShape()));
        bool residual = outputLayout == MapLayout.Blocked;
        double[] conv = ScalarReference.Conv(layer with { Activation = LayerActivation.None }, input, parameters.Weights, parameters.Bias);
        float[] z = residual ? LayerParameters.Uniform(new Random(370 + shape), conv.Length) : new float[conv.Length];
        double[] expected = [.. conv.Select((v, i) => ScalarReference.Activate(layer.Activation, v + z[i]))];
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = outputLayout, Residual = residual };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, tile == 4 ? (64, 64) : null);
        float[]? added = residual ? BlockedTensors.FromPlanar(z, layer.Batch, layer.OutputChannels, spec.Geometry(layer.Height, layer.Width).OutputSize, 0f) : null;
        RunOwnPlan(kernel, layer, input, expected, $"shape {shape}, {tile} x {tile} tiles, {inputLayout} -> {outputLayout}: {layer}", added);
    }

    /// <summary>
    /// The kernel's own plan, which must be Winograd's, on <paramref name="input"/> (planar, given in the spec's input
    /// layout) against <paramref name="expected"/>.
    /// </summary>
    private static void RunOwnPlan(ConvKernel kernel, ConvLayer layer, float[] input, double[] expected, string context, float[]? residual = null)
    {
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
        Assert.Equal(ConvAlgorithm.Winograd, work.Algorithm);
        float[] given = kernel.Spec.InputLayout == MapLayout.Blocked
            ? BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, layer.Height * layer.Width, float.NaN)
            : input;
        OutputComparison.AssertClose(expected, BlockedConvTests.Run(kernel, work, given, layer, context, residual), context);
    }

    /// <summary>Fused fire modules: output channels = pointwise + spatial.</summary>
    private static readonly (ConvLayer Layer, int Pointwise)[] FireLayers =
    [
        (Same(1, 16, 13, 13, 64 + 64), 64),
        // Two images, two pointwise panels, spatial channels ending in a panel of 32, odd maps.
        (Same(2, 48, 9, 11, 128 + 160) with { Activation = LayerActivation.LeakyRelu(0.1f) }, 128),
        (Same(1, 32, 27, 27, 64 + 64), 64),
        // Pointwise channels only, input channels past one pass of 128; a 5 x 5 kernel, no bias.
        (Same(1, 200, 8, 9, 64), 64),
        (Five(1, 24, 10, 8, 64 + 32) with { HasBias = false }, 64),
    ];

    public static TheoryData<int, MapLayout, int> FireCases()
    {
        var cases = new TheoryData<int, MapLayout, int>();
        for (int shape = 0; shape < FireLayers.Length; shape++)
            foreach (MapLayout layout in new[] { MapLayout.Blocked, MapLayout.Planar })
                foreach (int tile in FireLayers[shape].Layer.KernelHeight == 3 ? new[] { 2, 4 } : [2])
                    cases.Add(shape, layout, tile);
        return cases;
    }

    /// <summary>
    /// A fused fire module (<see cref="ConvSpec.PointwiseChannels"/>): its first channels a 1x1 convolution, multiplied
    /// directly at the centre tap beside the spatial channels' tiles, against the scalar reference of the same weights (zero
    /// off the pointwise channels' centre); executed MACs the 1x1 half's own and the tiles' products, dense ones the two
    /// convolutions' own.
    /// </summary>
    [Theory]
    [MemberData(nameof(FireCases))]
    public void Pointwise_channels_beside_the_tiles_read_the_centre_tap_only(int shape, MapLayout inputLayout, int tile)
    {
        if (!HasAvx512) return;
        (ConvLayer layer, int pointwise) = FireLayers[shape];
        LayerParameters parameters = LayerParameters.ForFusedConv(layer, pointwise, seed: 380 + shape);
        int taps = layer.KernelHeight * layer.KernelWidth;
        float[] input = LayerParameters.Uniform(new Random(390 + shape), LayerParameters.Count(layer.InputShape()));
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = MapLayout.Blocked, PointwiseChannels = pointwise };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, tile == 4 ? (64, 64) : null);
        CounterValues before = kernel.Counters.Read();
        RunOwnPlan(kernel, layer, input, expected, $"shape {shape}, {tile} x {tile} tiles, {inputLayout} in: {layer}, {pointwise} pointwise");
        CounterValues counted = kernel.Counters.Read() - before;
        int plane = layer.Height * layer.Width;
        long spatial = layer.OutputChannels - pointwise, tiles = (layer.Height + tile - 1) / tile * ((layer.Width + tile - 1) / tile);
        long points = (tile + layer.KernelHeight - 1) * (tile + layer.KernelHeight - 1);
        Assert.Equal(layer.Batch * layer.InputChannels * ((long)plane * pointwise + points * tiles * spatial), counted.ExecutedMacs);
        Assert.Equal(layer.Batch * layer.InputChannels * (long)plane * (pointwise + spatial * taps), counted.DenseMacs);
    }

    /// <summary>4 x 4 tiles on maps of at least 16 such tiles (4 for 5 x 5 kernels) with little waste at their edges; else 2 x 2.</summary>
    [Fact]
    public void The_tile_follows_the_maps_the_session_expects()
    {
        ConvSpec three = KernelSpecs.ToConvSpec(Same(1, 64, 8, 8, 64)), five = KernelSpecs.ToConvSpec(Five(1, 32, 8, 8, 32));
        foreach ((int height, int width, int expected) in new[]
        {
            (224, 224, 4), (56, 56, 4), (28, 28, 4), (27, 27, 4), (16, 16, 4), (20, 24, 4),
            (14, 14, 2), (13, 13, 2), (7, 7, 2), (12, 12, 2), (64, 2, 2),
        })
            Assert.Equal(expected, WinogradTiles.TileFor(three, (height, width)));
        Assert.Equal(2, WinogradTiles.TileFor(three, null));
        Assert.Equal(4, WinogradTiles.TileFor(five, (56, 56)));
        Assert.Equal(4, WinogradTiles.TileFor(five, (16, 16)));
        Assert.Equal(4, WinogradTiles.TileFor(five, (8, 8)));
        Assert.Equal(2, WinogradTiles.TileFor(five, (6, 6)));
        Assert.Equal(2, WinogradTiles.TileFor(five, (4, 4)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_residual_is_added_before_the_activation(int shape)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 320 + shape);
        float[] input = LayerParameters.Uniform(new Random(330 + shape), LayerParameters.Count(layer.InputShape()));
        double[] conv = ScalarReference.Conv(layer with { Activation = LayerActivation.None }, input, parameters.Weights, parameters.Bias);
        float[] residual = LayerParameters.Uniform(new Random(340 + shape), conv.Length);
        double[] expected = [.. conv.Select((v, i) => ScalarReference.Activate(layer.Activation, v + residual[i]))];
        var kernel = new ConvKernel(Blocked(layer) with { Residual = true }, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.Winograd);
        string context = $"shape {shape}, residual: {layer}";
        int plane = layer.Height * layer.Width;
        float[] z = BlockedTensors.FromPlanar(residual, layer.Batch, layer.OutputChannels, work.Geometry.OutputSize, 0f);
        float[] output = BlockedConvTests.Run(kernel, work, BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN), layer, context, z);
        OutputComparison.AssertClose(expected, output, context);
    }

    /// <summary>
    /// Executed: 16 products per 2 x 2 tile, input and output channel (36 for 5 x 5 kernels, and per 4 x 4 tile; 64 per
    /// 4 x 4 tile of a 5 x 5 kernel and 5 x 5 tile of a 4 x 4 one); dense: the direct convolution's 9 (16, 25) per output; the transforms as overhead. Every tile and panel is some task's, once (one image in one chunk: two ranges of
    /// panels, each transforming the patches).
    /// </summary>
    [Theory]
    [InlineData(3, 2, 16, 32, 24)]
    [InlineData(13, 2, 36, 264, 72)]
    [InlineData(4, 4, 36, 264, 130)]
    [InlineData(22, 4, 64, 608, 264)]
    [InlineData(26, 5, 64, 608, 338)]
    public void Counts_the_points_products_per_tile_and_covers_every_tile_once(int shape, int tile, int points, int patchOperations, int productOperations)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 1);
        var kernel = new ConvKernel(Blocked(layer), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, (layer.Height, layer.Width));
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.Winograd);
        Assert.Equal(2, work.RowChunks);
        int panels = (layer.OutputChannels + 63) / 64;
        var covered = new int[work.Columns, panels];
        for (int task = 0; task < work.TaskCount; task++)
        {
            ConvTask part = work.Task(task);
            for (int index = part.FirstColumn; index < part.FirstColumn + part.ColumnCount; index++)
                for (int panel = part.FirstPanel; panel < Math.Min(panels, part.LastPanel); panel++) covered[index, panel]++;
        }
        Assert.All(covered.Cast<int>(), count => Assert.Equal(1, count));

        CounterValues before = kernel.Counters.Read();
        float[] input = LayerParameters.Uniform(new Random(2), LayerParameters.Count(layer.InputShape()));
        BlockedConvTests.Run(kernel, work, BlockedTensors.FromPlanar(input, 1, layer.InputChannels, layer.Height * layer.Width, 0f), layer, "counts");
        CounterValues done = kernel.Counters.Read() - before;
        long tiles = layer.Height / tile * (layer.Width / tile), outputs = (long)layer.Height * layer.Width * layer.OutputChannels;
        Assert.Equal(points * tiles * layer.InputChannels * layer.OutputChannels, done.ExecutedMacs);
        Assert.Equal(outputs * layer.KernelHeight * layer.KernelWidth * layer.InputChannels, done.DenseMacs);
        Assert.Equal(patchOperations * tiles * layer.InputChannels * work.RowChunks + productOperations * tiles * layer.OutputChannels, done.OverheadOps);
    }

    /// <summary>
    /// Where the host runs one thread, one image of one chunk stays one task: not two chunks (cifar10's conv2, one panel),
    /// not two ranges of panels (each transforming the patches again). The same outputs, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(9)]
    [InlineData(3)]
    public void One_thread_keeps_a_lone_chunk_whole(int shape)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 400 + shape);
        var kernel = new ConvKernel(Blocked(layer), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, (layer.Height, layer.Width));
        ConvWork shared = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
        ConvWork alone = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, parallel: false);
        Assert.Equal(ConvAlgorithm.Winograd, alone.Algorithm);
        Assert.Equal(2, shared.ColumnChunks * shared.RowChunks);
        Assert.Equal((1, 1), (alone.ColumnChunks, alone.RowChunks));
        Assert.Equal(1, alone.PhaseTasks(alone.PhaseCount - 1));
        float[] input = BlockedTensors.FromPlanar(LayerParameters.Uniform(new Random(410 + shape), LayerParameters.Count(layer.InputShape())),
            layer.Batch, layer.InputChannels, layer.Height * layer.Width, float.NaN);
        Assert.Equal(BlockedConvTests.Run(kernel, shared, input, layer, "two tasks"), BlockedConvTests.Run(kernel, alone, input, layer, "one task"));
    }

    /// <summary>
    /// The kernel's own choice between blocked maps: Winograd's tiles for 3 x 3 and 5 x 5 kernels up to 256 input channels,
    /// on even and odd maps, told their size or not; up to 512 only where the session's maps make at least 32 tiles
    /// (VGG's 28 x 28 and 14 x 14 layers, not ResNet18's 7 x 7 stage nor maps not known when the kernel is made);
    /// position tiles (with their lists) elsewhere.
    /// </summary>
    [Fact]
    public void Chosen_up_to_256_input_channels_and_up_to_512_on_maps_of_many_tiles()
    {
        if (!HasAvx512) return;
        foreach ((int taps, int channels, int size, bool told, ConvAlgorithm expected) in new[]
        {
            (3, 64, 56, false, ConvAlgorithm.Winograd), (3, 256, 14, false, ConvAlgorithm.Winograd), (3, 64, 55, true, ConvAlgorithm.Winograd),
            (5, 32, 16, false, ConvAlgorithm.Winograd), (5, 32, 15, true, ConvAlgorithm.Winograd),
            (3, 512, 28, true, ConvAlgorithm.Winograd), (3, 512, 14, true, ConvAlgorithm.Winograd), (3, 272, 12, true, ConvAlgorithm.Winograd),
            (3, 512, 14, false, ConvAlgorithm.PositionTiles), (3, 512, 7, true, ConvAlgorithm.PositionTiles),
            (3, 512, 16, true, ConvAlgorithm.PositionTiles), (3, 528, 28, true, ConvAlgorithm.PositionTiles),
        })
        {
            ConvLayer layer = taps == 3 ? Same(1, channels, size, size, 64) : Five(1, channels, size, size, 64);
            var spec = Blocked(layer) with { SkipZeroMaps = true, SkipZeroInputs = true };
            var kernel = new ConvKernel(spec, LayerParameters.Uniform(new Random(channels), (int)spec.WeightCount), new float[64], SimdPath.Vector512,
                told ? (size, size) : null);
            Assert.Equal(expected, kernel.Plan(1, channels, size, size).Algorithm);
        }
    }

    /// <summary>
    /// More than 256 input channels (ending mid-block), on maps of 36 tiles of 2 x 2 and of 36 of 4 x 4, blocked or planar:
    /// the kernel's own plan against the scalar reference.
    /// </summary>
    [Theory]
    [InlineData(264, 12, MapLayout.Blocked, MapLayout.Planar)]
    [InlineData(264, 12, MapLayout.Planar, MapLayout.Blocked)]
    [InlineData(300, 24, MapLayout.Blocked, MapLayout.Blocked)]
    public void More_than_256_input_channels_on_maps_of_many_tiles_match_the_scalar_reference(int channels, int size, MapLayout inputLayout, MapLayout outputLayout)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Same(1, channels, size, size, 48);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: channels + size);
        float[] input = LayerParameters.Uniform(new Random(channels - size), LayerParameters.Count(layer.InputShape()));
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = outputLayout };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, (size, size));
        RunOwnPlan(kernel, layer, input, expected, $"{layer}, {inputLayout} -> {outputLayout}");
    }

    /// <summary>
    /// Strides, kernels other than 3 x 3, 4 x 4 and 5 x 5, output channels ending mid-block, fewer than 12 or more
    /// than 256 input channels on maps of unknown size, an approximate mechanism or narrower vectors: refused when forced.
    /// </summary>
    [Fact]
    public void Refused_where_it_does_not_apply()
    {
        ConvLayer layer = Same(1, 32, 8, 8, 64);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 3);
        ConvSpec spec = Blocked(layer);
        void Refused(ConvSpec s, SimdPath path, int height, int width, string why)
        {
            var kernel = new ConvKernel(s, LayerParameters.Uniform(new Random(5), (int)s.WeightCount), parameters.Bias.AsSpan(0, s.OutputChannels), path);
            Assert.False(kernel.Supports(ConvAlgorithm.Winograd, 1, height, width), why);
            Assert.Throws<ArgumentException>(() => kernel.Plan(1, s.InputChannels, height, width, ConvAlgorithm.Winograd));
        }
        foreach (SimdPath path in KernelSpecs.AvailablePaths().Where(p => p < SimdPath.Vector512))
            Refused(spec, path, 8, 8, $"{path}");
        if (!HasAvx512) return;
        Refused(spec with { StrideHeight = 2, StrideWidth = 2 }, SimdPath.Vector512, 8, 8, "stride 2");
        foreach ((int height, int width) in new[] { (1, 1), (7, 7), (3, 5), (5, 3) })
        {
            // The same output maps: the padding follows the kernel.
            ConvSpec other = spec with { KernelHeight = height, KernelWidth = width, PadTop = height / 2, PadBottom = height / 2, PadLeft = width / 2, PadRight = width / 2 };
            Refused(other, SimdPath.Vector512, 8, 8, $"{height} x {width} kernel");
        }
        Refused(spec with { InputChannels = 11 }, SimdPath.Vector512, 8, 8, "11 input channels");
        Refused(spec with { InputLayout = MapLayout.Planar, OutputLayout = MapLayout.Planar, SdssDelta = 0.5f }, SimdPath.Vector512, 8, 8, "SDSS");
        Refused(spec with { OutputChannels = 40 }, SimdPath.Vector512, 8, 8, "output channels ending mid-block");
        var wide = new ConvSpec(64, 512, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, InputLayout: MapLayout.Blocked, OutputLayout: MapLayout.Blocked);
        Assert.False(new ConvKernel(wide, LayerParameters.Uniform(new Random(4), (int)wide.WeightCount), [], SimdPath.Vector512).Supports(ConvAlgorithm.Winograd, 1, 8, 8),
            "512 input channels");
        Assert.True(new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512).Supports(ConvAlgorithm.Winograd, 1, 8, 8));
    }

    private static ConvSpec Blocked(ConvLayer layer) =>
        KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked };
}
