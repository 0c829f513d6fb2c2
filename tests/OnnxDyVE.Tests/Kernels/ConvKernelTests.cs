using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>ConvKernel on every vector path against the scalar reference, task by task on one thread.</summary>
public sealed unsafe class ConvKernelTests
{
    private const int ShapeCount = 120;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference(SimdPath path, int shape) =>
        AssertEveryAlgorithmMatches(RandomLayers.ConvForKernel(shape), shape, path);

    /// <summary>
    /// Rows wider than two tiles, which the random shapes never reach: padded-width tile panels that lie inside
    /// one output row accumulate in the output itself, the others spill; both meet here, with batch, dilation
    /// and uneven pads.
    /// </summary>
    public static TheoryData<SimdPath, int> WideCases() => KernelSpecs.PathsAndShapes(WideLayers.Length);

    private static readonly ConvLayer[] WideLayers =
    [
        new(2, 5, 9, 70, 7, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 3, 6, 101, 13, 3, 3) { DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 1, PadRight = 0 },
        new(1, 40, 4, 67, 9, 1, 1) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        new(3, 6, 5, 96, 12, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        new(1, 130, 3, 66, 8, 3, 1) { PadTop = 1, PadBottom = 1, Activation = LayerActivation.Relu },
        // A short K over whole chunks of columns and a ragged last panel of rows, as 1x1 and as padded taps.
        new(1, 20, 20, 30, 17, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        new(1, 2, 17, 40, 13, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        // Strided, large kernels (phase split): SqueezeNet's conv1, AlexNet's conv1, unequal strides with pads.
        new(1, 3, 45, 71, 10, 7, 7) { StrideHeight = 2, StrideWidth = 2, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 3, 47, 51, 8, 11, 11) { StrideHeight = 4, StrideWidth = 4, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true },
        new(2, 5, 30, 41, 7, 5, 6) { StrideHeight = 2, StrideWidth = 3, PadTop = 2, PadLeft = 1, PadBottom = 0, PadRight = 3 },
        // K beyond 2304 (VGG's conv4 and conv5 have 4608) on position tiles too: K in many passes, a map whose tasks take
        // K whole, and one cut into chunks of positions that take it block by block.
        new(1, 300, 6, 7, 40, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 280, 19, 21, 70, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        // Weights beyond L2 (1.2 MB) under a larger image (VGG's conv3 stage): ranges of panels first, in chunks of more
        // than 1,024 positions.
        new(1, 128, 46, 46, 256, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // Planar maps of many channels copied into blocks for 1x1 convolutions of many outputs: padded (the interior from
        // an unpadded copy, a ragged last block, two images) and not.
        new(2, 260, 5, 9, 270, 1, 1) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 256, 7, 18, 256, 1, 1) { HasBias = true },
    ];

    [Theory]
    [MemberData(nameof(WideCases))]
    public void Wide_rows_match_scalar_reference(SimdPath path, int shape) =>
        AssertEveryAlgorithmMatches(WideLayers[shape], 500 + shape, path);

    internal static void AssertEveryAlgorithmMatches(ConvLayer layer, int seed, SimdPath path)
    {
        LayerParameters parameters = LayerParameters.ForConv(layer, seed);
        float[] input = LayerParameters.Uniform(new Random(10_000 + seed), LayerParameters.Count(layer.InputShape()));
        var kernel = new ConvKernel(KernelSpecs.ToConvSpec(layer), parameters.Weights, parameters.Bias ?? [], path);
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        ScalarReference.ConvGeometry expectedGeometry = ScalarReference.Geometry(layer);

        // Every algorithm that applies to the shape, not only the one the kernel would choose.
        foreach (ConvAlgorithm algorithm in Enum.GetValues<ConvAlgorithm>())
        {
            if (!kernel.Supports(algorithm, layer.Batch, layer.Height, layer.Width)) continue;
            string context = $"seed {seed} on {path} by {algorithm}: {layer}";
            ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm);
            Assert.Equal(algorithm, work.Algorithm);
            Assert.Equal((expectedGeometry.OutputHeight, expectedGeometry.OutputWidth),
                (work.Geometry.OutputHeight, work.Geometry.OutputWidth));
            CounterValues before = kernel.Counters.Read();
            GuardedOutput output = ConvRuns.Run(kernel, work, input);
            output.AssertGuardsIntact(context);
            // Every MAC of the dense product, once: none skipped in exact mode, padding not counted. Winograd's tiles execute
            // (r + 1)^2 products per 2 x 2 tile for the direct product's 4 r^2, and count their transforms as overhead.
            long denseMacs = (long)layer.Batch * layer.OutputChannels * (layer.InputChannels / layer.Group)
                * layer.KernelHeight * layer.KernelWidth * work.Geometry.OutputSize;
            CounterValues counted = kernel.Counters.Read() - before;
            long executed = algorithm switch
            {
                ConvAlgorithm.Winograd => denseMacs * (layer.KernelHeight + 1) * (layer.KernelWidth + 1) / (4 * layer.KernelHeight * layer.KernelWidth),
                // A kernel made without the session's shapes: 2 x 2 tiles but for a 4 x 4 phase kernel.
                ConvAlgorithm.PhasedWinograd => PhasedWinogradTests.Products(layer, largeMaps: false),
                _ => denseMacs,
            };
            Assert.Equal(algorithm is ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd, counted.OverheadOps > 0);
            Assert.Equal(new CounterValues(0, executed, denseMacs, OverheadOps: counted.OverheadOps, Outputs: (long)layer.Batch * layer.OutputChannels * work.Geometry.OutputSize),
                counted);
            OutputComparison.AssertClose(expected, output.Values, context);
        }
    }

    /// <summary>
    /// Zero-map skipping on inputs where a third of the channels (per image) are zero everywhere, as after a ReLU
    /// that silenced whole features: bit-identical to the dense kernel, close to the reference, and counted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Skipping_zero_maps_is_exact(SimdPath path, int shape)
    {
        ConvLayer layer = RandomLayers.ConvForKernel(shape);
        ConvSpec dense = KernelSpecs.ToConvSpec(layer);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        var kernel = new ConvKernel(dense with { SkipZeroMaps = true }, parameters.Weights, parameters.Bias ?? [], path);
        var denseKernel = new ConvKernel(dense, parameters.Weights, parameters.Bias ?? [], path);
        float[] input = LayerParameters.Uniform(new Random(40_000 + shape), LayerParameters.Count(layer.InputShape()));
        int plane = layer.Height * layer.Width;
        var random = new Random(shape);
        // Map 0 always, then a third of the rest at random; every map of every tenth shape.
        for (int map = 0; map < layer.Batch * layer.InputChannels; map++)
            if (map == 0 || random.Next(3) == 0 || shape % 10 == 0) Array.Clear(input, map * plane, plane);
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);

        // Both algorithms that copy the input (and so find its zero maps).
        foreach (ConvAlgorithm algorithm in new[] { ConvAlgorithm.PaddedTaps, ConvAlgorithm.PositionTiles })
        {
            if (!kernel.Supports(algorithm, layer.Batch, layer.Height, layer.Width)) continue;
            string context = $"shape {shape} on {path} by {algorithm}: {layer}";
            CounterValues before = kernel.Counters.Read();
            GuardedOutput skipped = ConvRuns.Run(kernel, kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm), input);
            GuardedOutput expected = ConvRuns.Run(denseKernel, denseKernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm), input);

            skipped.AssertGuardsIntact(context);
            Assert.Equal(expected.Values.ToArray(), skipped.Values.ToArray());
            OutputComparison.AssertClose(reference, skipped.Values, context);
            CounterValues counted = kernel.Counters.Read() - before;
            Assert.True(counted.ExecutedMacs < counted.DenseMacs, $"{context}: {counted}");
            if (shape % 10 == 0) Assert.Equal(0, counted.ExecutedMacs);
        }
    }

    /// <summary>
    /// Planar inputs of 256 channels or more are copied into blocked maps for the position tiles (3x3, and 1x1 with 256
    /// outputs or more), as the convolution's own choice: the reference's values, and maps zero in a third of the
    /// channels left out exactly (bit-identical to the dense kernel's copy) and counted.
    /// </summary>
    [Theory]
    [MemberData(nameof(PlanarIntoBlocksCases))]
    public void Planar_inputs_of_many_channels_are_copied_into_blocks(SimdPath path, int shape)
    {
        ConvLayer layer = PlanarIntoBlocksLayers[shape];
        ConvSpec dense = KernelSpecs.ToConvSpec(layer);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 700 + shape);
        var kernel = new ConvKernel(dense with { SkipZeroMaps = true }, parameters.Weights, parameters.Bias ?? [], path);
        var denseKernel = new ConvKernel(dense, parameters.Weights, parameters.Bias ?? [], path);
        Assert.True(kernel.CopiesPlanarIntoBlocks && denseKernel.CopiesPlanarIntoBlocks, $"{layer}");
        float[] input = LayerParameters.Uniform(new Random(800 + shape), LayerParameters.Count(layer.InputShape()));
        int plane = layer.Height * layer.Width;
        var random = new Random(shape);
        // A third of the maps at random, and every third block of 16 whole (runs long enough for a 1x1 kernel to leave out).
        for (int map = 0; map < layer.Batch * layer.InputChannels; map++)
            if (random.Next(3) == 0 || map % layer.InputChannels / 16 % 3 == 1) Array.Clear(input, map * plane, plane);
        // One map holds only negative zeros (zero), one a single value at its last position (not zero).
        input.AsSpan(5 * plane, plane).Fill(-0f);
        Array.Clear(input, 7 * plane, plane);
        input[8 * plane - 1] = 1f;
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);

        string context = $"shape {shape} on {path}: {layer}";
        // Planned for one thread: a planar 1x1 layer of a short K copies only then (ConvKernel.PlanarBlocksPay).
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, parallel: false);
        Assert.Equal(ConvAlgorithm.PositionTiles, work.Algorithm);
        CounterValues before = kernel.Counters.Read();
        GuardedOutput skipped = ConvRuns.Run(kernel, work, input);
        GuardedOutput expected = ConvRuns.Run(denseKernel, denseKernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, parallel: false), input);
        skipped.AssertGuardsIntact(context);
        Assert.Equal(expected.Values.ToArray(), skipped.Values.ToArray());
        OutputComparison.AssertClose(reference, skipped.Values, context);
        CounterValues counted = kernel.Counters.Read() - before;
        Assert.True(counted.ExecutedMacs < counted.DenseMacs, $"{context}: {counted}");
        int taps = layer.KernelHeight * layer.KernelWidth;
        if (taps == 1) return;
        // A spatial kernel leaves out every zero map (nine taps or more a map), the negative zeros' too.
        long zeroMaps = Enumerable.Range(0, layer.Batch * layer.InputChannels)
            .Count(map => input.AsSpan(map * plane, plane).IndexOfAnyExcept(0f) < 0);
        long live = (long)layer.Batch * layer.InputChannels - zeroMaps;
        Assert.Equal(live * taps * layer.OutputChannels * work.Geometry.OutputSize, counted.ExecutedMacs);
    }

    public static TheoryData<SimdPath, int> PlanarIntoBlocksCases() => KernelSpecs.PathsAndShapes(PlanarIntoBlocksLayers.Length);

    /// <summary>The shapes of <see cref="Planar_inputs_of_many_channels_are_copied_into_blocks"/> (the SIMD child processes run them too).</summary>
    public static int PlanarIntoBlocksShapeCount => PlanarIntoBlocksLayers.Length;

    /// <summary>Widths whose rows end mid-way through 16 positions and maps of fewer than 16, so both the transposes and the tails copy.</summary>
    private static readonly ConvLayer[] PlanarIntoBlocksLayers =
    [
        new(1, 272, 9, 21, 40, 3, 3) { PadTop = 1, PadLeft = 2, PadBottom = 0, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 256, 3, 4, 24, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        new(1, 300, 13, 13, 300, 1, 1) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        new(2, 260, 6, 11, 256, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        // Few input channels, many outputs, a map of 575 positions (SqueezeNet's expands on 27 x 27): copied for the outputs.
        new(1, 40, 23, 25, 144, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
    ];

    /// <summary>
    /// A short K (VGG's conv1_1: 27) whose padded-width rows waste little runs on padded taps where AVX-512 retires two
    /// FMAs a cycle or is absent, on position tiles where it retires one (<see cref="OnnxDyVE.Schema.WideFmaRate"/>).
    /// </summary>
    [Fact]
    public void A_short_K_runs_on_position_tiles_where_one_wide_FMA_retires_a_cycle()
    {
        var spec = new ConvSpec(64, 3, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Activation: Activation.Relu);
        float[] weights = new float[64 * 27];
        weights.AsSpan().Fill(0.5f);
        var kernel = new ConvKernel(spec, weights, new float[64], SimdPaths.Best);
        ConvAlgorithm expected = SimdPaths.Best == SimdPath.Vector512 && OnnxDyVE.Schema.WideFmaRate.PerCycle == 1
            ? ConvAlgorithm.PositionTiles : ConvAlgorithm.PaddedTaps;
        Assert.Equal(expected, kernel.Plan(1, 3, 112, 112).Algorithm);
    }

    /// <summary>
    /// A planar 1x1 convolution of many outputs and a short K copies its maps into blocks on large maps for one thread
    /// only: on few positions or several threads it stays a pointwise product (SqueezeNet's fire9 expand against its fire8
    /// expand); a long K and many outputs copy always.
    /// </summary>
    [Theory]
    [InlineData(64, 256, 13, false, ConvAlgorithm.Pointwise)]
    [InlineData(64, 256, 27, false, ConvAlgorithm.PositionTiles)]
    [InlineData(64, 256, 27, true, ConvAlgorithm.Pointwise)]
    [InlineData(512, 256, 13, true, ConvAlgorithm.PositionTiles)]
    [InlineData(384, 64, 27, false, ConvAlgorithm.Pointwise)]
    public void Planar_pointwise_maps_are_copied_into_blocks_where_that_pays(int channels, int outputs, int size, bool parallel, ConvAlgorithm expected)
    {
        var spec = new ConvSpec(outputs, channels, 1, 1, Activation: Activation.Relu);
        float[] weights = new float[outputs * channels];
        weights.AsSpan().Fill(0.5f);
        var kernel = new ConvKernel(spec, weights, new float[outputs], SimdPaths.Best);
        Assert.Equal(expected, kernel.Plan(1, channels, size, size, parallel: parallel).Algorithm);
    }

    /// <summary>
    /// A padded 1x1 convolution computes its interior in place and fills its border with the bias (SqueezeNet's conv10),
    /// but only with finite weights: an infinite weight times the padding's zero is NaN in the dense product, and so it
    /// must stay in the border.
    /// </summary>
    [Fact]
    public void A_padded_pointwise_border_is_the_bias_only_with_finite_weights()
    {
        var layer = new ConvLayer(1, 4, 3, 5, 3, 1, 1) { PadTop = 1, PadLeft = 2, PadBottom = 0, PadRight = 1, HasBias = true };
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 3);
        float[] input = LayerParameters.Uniform(new Random(4), LayerParameters.Count(layer.InputShape()));
        var finite = new ConvKernel(KernelSpecs.ToConvSpec(layer), parameters.Weights, parameters.Bias!, SimdPaths.Best);
        ConvWork work = finite.Plan(1, 4, 3, 5);
        Assert.Equal(ConvAlgorithm.Pointwise, work.Algorithm);
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), ConvRuns.Run(finite, work, input).Values, "finite weights");

        float[] weights = (float[])parameters.Weights.Clone();
        weights[5] = float.PositiveInfinity;
        var infinite = new ConvKernel(KernelSpecs.ToConvSpec(layer), weights, parameters.Bias!, SimdPaths.Best);
        Assert.False(infinite.Supports(ConvAlgorithm.Pointwise, 1, 3, 5));
        ConvWork fallback = infinite.Plan(1, 4, 3, 5);
        float[] output = ConvRuns.Run(infinite, fallback, input).Values.ToArray();
        // Weight 5 is output channel 1's (4 input channels each): its corner, a border output, is 0 x inf = NaN in the
        // dense product; channel 0's corner is its bias.
        int plane = fallback.Geometry.OutputSize;
        Assert.True(float.IsNaN(output[plane]), $"border output of channel 1 is {output[plane]}, the dense product's 0 x inf is NaN");
        Assert.Equal(parameters.Bias![0], output[0]);
    }

    /// <summary>A stride in the billions (a hostile model) once overflowed the phase split's channel count, which then looped for minutes.</summary>
    [Fact]
    public void A_huge_stride_plans_and_runs_at_once()
    {
        var spec = new ConvSpec(4, 8, 3, 3, StrideHeight: int.MaxValue, StrideWidth: 4);
        var kernel = new ConvKernel(spec, Enumerable.Repeat(1f, (int)spec.WeightCount).ToArray(), [], SimdPaths.Best);
        ConvWork work = kernel.Plan(1, 8, 9, 9);
        Assert.NotEqual(ConvAlgorithm.PhasedTaps, work.Algorithm);
        Assert.Equal((1, 2), (work.Geometry.OutputHeight, work.Geometry.OutputWidth));
        // All-ones weights and input: every output sums its 8 x 3 x 3 taps.
        Assert.Equal([72f, 72f, 72f, 72f, 72f, 72f, 72f, 72f], ConvRuns.Run(kernel, work, Enumerable.Repeat(1f, 8 * 81).ToArray()).Values.ToArray());
    }

    [Fact]
    public void Forcing_an_algorithm_that_does_not_apply_names_it()
    {
        var spec = new ConvSpec(8, 4, 3, 3, StrideHeight: 2, StrideWidth: 2);
        var kernel = new ConvKernel(spec, new float[spec.WeightCount], [], SimdPaths.Best);
        Assert.False(kernel.Supports(ConvAlgorithm.PaddedTaps, 1, 9, 9));
        Assert.False(kernel.Supports(ConvAlgorithm.Pointwise, 1, 9, 9));
        Assert.True(kernel.Supports(ConvAlgorithm.Im2Col, 1, 9, 9));
        var error = Assert.Throws<ArgumentException>(() => kernel.Plan(1, 4, 9, 9, ConvAlgorithm.PaddedTaps));
        Assert.Contains("PaddedTaps", error.Message);
    }

    [Fact]
    public void Shapes_cover_the_kernel_edges()
    {
        // The random shapes are only worth their count if they reach these regimes; checked on the widest path.
        var layers = Enumerable.Range(0, ShapeCount).Select(RandomLayers.ConvForKernel).ToList();
        var works = layers.Select(layer =>
        {
            LayerParameters parameters = LayerParameters.ForConv(layer, 0);
            var kernel = new ConvKernel(KernelSpecs.ToConvSpec(layer), parameters.Weights, parameters.Bias ?? [], SimdPaths.Best);
            return (layer, kernel, work: kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width));
        }).ToList();

        Assert.Contains(works, w => w.kernel.Spec.ReductionLength > 128);
        Assert.Contains(works, w => w.kernel.Spec.ReductionLength < 128);
        Assert.Contains(works, w => w.work.RowChunks > 1);
        Assert.Contains(works, w => w.work.PackTaskCount > 0);
        Assert.Contains(works, w => w.work.PackTaskCount == 0);
        Assert.Contains(works, w => w.work.ColumnChunks > 1);
        Assert.Contains(works, w => w.kernel.Spec.OutputChannelsPerGroup % 6 != 0);
        Assert.Contains(works, w => w.work.Geometry.OutputSize % 32 != 0);
        Assert.Contains(works, w => w.layer.Group > 1);
        Assert.Contains(works, w => w.layer.Batch > 1);
        // Each exact algorithm is the kernel's own choice for some shapes (SDSS and SPET run where their settings say:
        // SampledConvTests, SpetConvTests; the sparse kernel where weights are pruned: SparseTapsTests; Winograd's tiles
        // between blocked maps and over phase planes: WinogradTests, PhasedWinogradTests).
        foreach (ConvAlgorithm algorithm in Enum.GetValues<ConvAlgorithm>().Where(a => a is not (ConvAlgorithm.Sampled or ConvAlgorithm.Spet
            or ConvAlgorithm.SparseTaps or ConvAlgorithm.Winograd or ConvAlgorithm.PhasedWinograd)))
            Assert.Contains(works, w => w.work.Algorithm == algorithm);
        // Position tiles chosen at stride 1 too, for small maps.
        Assert.Contains(works, w => w.work.Algorithm == ConvAlgorithm.PositionTiles && w.layer.StrideHeight == 1 && w.layer.StrideWidth == 1);
        Assert.Contains(works, w => w.work.Algorithm == ConvAlgorithm.PhasedTaps && w.layer.Batch > 1);
        Assert.Contains(works, w => w.work.Algorithm == ConvAlgorithm.PaddedTaps && w.layer.Batch > 1);
        Assert.Contains(works, w => w.work.Algorithm == ConvAlgorithm.Pointwise && w.work.Geometry.OutputSize % w.kernel.TileColumns != 0);
    }
}
