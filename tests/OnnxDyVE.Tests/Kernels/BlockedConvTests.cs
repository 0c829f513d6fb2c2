using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Blocked maps (N x C/16 x H x W x 16) in, out or both, on every vector path, against the scalar reference on planar
/// maps: one-group random shapes (1x1 and spatial, padded and not, strided) and hand-picked ones whose channel counts
/// end mid-block or make an odd number of blocks (AVX-512's last panel then half used).
/// </summary>
public sealed unsafe class BlockedConvTests
{
    private const int Block = BlockedTensors.Block;
    private const int ShapeCount = 60;

    private static readonly (MapLayout Input, MapLayout Output)[] Layouts =
        [(MapLayout.Blocked, MapLayout.Blocked), (MapLayout.Planar, MapLayout.Blocked), (MapLayout.Blocked, MapLayout.Planar)];

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference_in_every_layout(SimdPath path, int shape) =>
        AssertMatches(RandomLayers.ConvForKernel(shape) with { Group = 1 }, shape, path);

    public static TheoryData<SimdPath> PathCases() => new(KernelSpecs.AvailablePaths());

    public static TheoryData<SimdPath, int> EdgeCases() => KernelSpecs.PathsAndShapes(Enumerable.Range(0, EdgeLayers.Length));

    /// <summary>Edge shapes, for the SIMD child processes (SimdCheck), whose padded copy takes the process's widest vectors.</summary>
    internal static int EdgeShapeCount => EdgeLayers.Length;

    private static readonly ConvLayer[] EdgeLayers =
    [
        // SqueezeNet's squeeze and expand shapes, scaled down: one block out, one block in, 3 blocks out.
        new(1, 96, 9, 9, 16, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        new(2, 16, 7, 11, 64, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        new(1, 40, 8, 8, 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // Channels ending mid-block in and out, a clip whose lower bound is above zero (so padded lanes must be cleared).
        new(1, 21, 6, 5, 37, 3, 3) { PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1, HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) },
        // K beyond one block of 128 (partial sums through the blocked output), strided with padding, dilated.
        new(1, 80, 7, 7, 33, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        new(2, 3, 23, 19, 20, 7, 7) { StrideHeight = 2, StrideWidth = 2, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 17, 12, 12, 18, 3, 3) { DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        // A padded 1x1 convolution (SqueezeNet's conv10, scaled down): into planar maps it computes only its interior,
        // reading the blocked input in place, and fills the border with the bias.
        new(2, 40, 6, 7, 37, 1, 1) { PadTop = 1, PadLeft = 2, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // The general epilogue (no bias, LeakyReLU; a bias and Clip) on every tile width: four, three and two vectors.
        new(1, 24, 9, 10, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Activation = LayerActivation.LeakyRelu(0.1f) },
        new(1, 40, 7, 9, 48, 1, 1) { HasBias = true, Activation = LayerActivation.Clip(0f, 6f) },
        new(1, 40, 7, 9, 32, 1, 1) { Activation = LayerActivation.Clip(-1f, 1f) },
        // A long K (2448, ResNet18's last stage scaled down) over more positions than one block of K takes whole.
        new(1, 272, 7, 8, 40, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // ResNet's shapes, scaled down: a residual is added in AVX-512's tiles (a bias, ReLU or none, whole pairs of
        // blocks), 96 channels a pair and a lone panel, 7 x 7 positions a three-row last tile.
        new(1, 48, 7, 7, 96, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        new(2, 64, 11, 5, 128, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        // A last lone block (80 channels) of a 1x1 convolution reading blocked maps in place: twelve positions a tile, K in
        // three runs (tasks of 54 positions), the general epilogue; six-position tiles for the rest of each task.
        new(1, 300, 20, 20, 80, 1, 1) { HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) },
        // Maps whose first and last rows read padding in odd ways: a one-row map (padding above and below every output), two
        // such rows at each side of a 5 x 5 kernel on a four-row map, a dilated strided kernel whose last row reads none,
        // and K beyond one block over 20-wide rows.
        new(1, 40, 1, 20, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 24, 4, 13, 64, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) },
        new(1, 20, 11, 14, 96, 3, 3) { StrideHeight = 2, StrideWidth = 2, DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 1, PadRight = 2 },
        new(1, 48, 20, 20, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // Weights outweighing the image over 784 positions: tasks of more than 256 positions each (three chunks of 264).
        new(1, 16, 28, 28, 192, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
    ];

    /// <summary>
    /// Where the weights outweigh the image, a task takes more positions than the 256 an im2col block holds, so that
    /// each pass's weights serve more tiles (the last edge shape; VGG's conv4_2 takes its 784 positions in one chunk).
    /// </summary>
    [Fact]
    public void Tasks_take_over_256_positions_where_the_weights_outweigh_the_image()
    {
        ConvLayer layer = EdgeLayers[^1];
        LayerParameters parameters = LayerParameters.ForConv(layer, 1);
        foreach (SimdPath path in KernelSpecs.AvailablePaths())
        {
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked };
            ConvWork work = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path).Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width,
                ConvAlgorithm.PositionTiles);
            Assert.True(work.ColumnChunk > 256 && work.ColumnChunks * work.ColumnChunk >= 784, $"{path}: chunks of {work.ColumnChunk}");
        }
    }

    /// <summary>
    /// For blocked maps, Supports says what Plan accepts: position tiles, Winograd's tiles where they apply, the sparse
    /// kernel where weights are pruned; never a planar algorithm (it said yes to those once, and Plan threw).
    /// </summary>
    [Theory]
    [MemberData(nameof(PathCases))]
    public void Supports_says_what_plan_accepts_for_blocked_maps(SimdPath path)
    {
        foreach (ConvLayer layer in new[] { EdgeLayers[0], EdgeLayers[^1], RandomLayers.ConvForKernel(0) with { Group = 1 } })
        {
            LayerParameters parameters = LayerParameters.ForConv(layer, 2);
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked };
            var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
            foreach (ConvAlgorithm algorithm in Enum.GetValues<ConvAlgorithm>())
            {
                string context = $"{algorithm} on {path}: {layer}";
                if (kernel.Supports(algorithm, layer.Batch, layer.Height, layer.Width))
                    Assert.Equal(algorithm, kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm).Algorithm);
                else
                    Assert.Throws<ArgumentException>(() => kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm));
                Assert.True(algorithm is ConvAlgorithm.PositionTiles or ConvAlgorithm.Winograd or ConvAlgorithm.SparseTaps
                    || !kernel.Supports(algorithm, layer.Batch, layer.Height, layer.Width), context);
            }
        }
    }

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Edge_shapes_match_scalar_reference_in_every_layout(SimdPath path, int shape) =>
        AssertMatches(EdgeLayers[shape], 700 + shape, path);

    /// <summary>
    /// Zero maps in a blocked input are found by its padded copy (or, for a padded 1x1 convolution computing its interior,
    /// by a pass over the input) and left out, exactly, and counted: those in stretches of at least nine taps (a 3x3
    /// kernel's single map; nine maps of a 1x1 kernel) or at either end of K, shorter stretches being multiplied through.
    /// </summary>
    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Zero_maps_in_blocked_input_are_skipped_exactly(SimdPath path, int shape)
    {
        ConvLayer layer = EdgeLayers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        float[] input = LayerParameters.Uniform(new Random(900 + shape), LayerParameters.Count(layer.InputShape()));
        int plane = layer.Height * layer.Width;
        int taps = layer.KernelHeight * layer.KernelWidth;
        // Every third map zero, and a stretch of ten in each image (channels 20-29 where there are as many).
        var zero = new HashSet<int>();
        for (int map = 0; map < layer.Batch * layer.InputChannels; map++)
            if (map % 3 == 0 || map % layer.InputChannels is >= 20 and < 30)
            {
                Array.Clear(input, map * plane, plane);
                zero.Add(map);
            }
        // The maps left out: those whose stretch of zero maps (within an image) has at least nine taps, starts or ends the image.
        int skipped = 0;
        for (int map = 0; map < layer.Batch * layer.InputChannels;)
        {
            if (!zero.Contains(map))
            {
                map++;
                continue;
            }
            int end = map;
            while (end < layer.Batch * layer.InputChannels && zero.Contains(end) && (end == map || end % layer.InputChannels != 0)) end++;
            if ((end - map) * taps >= 9 || map % layer.InputChannels == 0 || end % layer.InputChannels == 0) skipped += end - map;
            map = end;
        }
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        foreach (MapLayout outputLayout in new[] { MapLayout.Blocked, MapLayout.Planar })
        {
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { SkipZeroMaps = true, InputLayout = MapLayout.Blocked, OutputLayout = outputLayout };
            var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
            ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles);
            string context = $"shape {shape} on {path}, {outputLayout} output: {layer}";
            CounterValues before = kernel.Counters.Read();
            float[] output = Run(kernel, work, BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN), layer, context);
            OutputComparison.AssertClose(reference, output, context);
            // An interior run multiplies only the input's positions; the border's outputs count as dense.
            int positions = work.Interior ? plane : work.Geometry.OutputSize;
            long macsPerMap = (long)layer.OutputChannels * taps * positions;
            long dense = (long)layer.OutputChannels * taps * work.Geometry.OutputSize * layer.Batch * layer.InputChannels;
            // Read in place (no padding to add) nothing is copied, so nothing is found: dense, as a planar 1x1 convolution.
            long expected = work.PackTaskCount == 0 && !work.TaskCopies ? dense : dense - macsPerMap * skipped;
            Assert.Equal(expected, (kernel.Counters.Read() - before).ExecutedMacs);
        }
    }

    /// <summary>
    /// Tasks that copy the rows they read (<see cref="ConvWork.TaskCopies"/>) leave out a map wherever it is zero in those
    /// rows: a map zero in the top half of the image only is left out by exactly the tasks that read no row below it
    /// (nine taps, a 3x3 kernel's whole map), and the output is the dense one.
    /// </summary>
    [Theory]
    [MemberData(nameof(PathCases))]
    public void Tasks_leave_out_a_map_where_the_rows_they_read_are_zero(SimdPath path)
    {
        var layer = new ConvLayer(1, 32, 24, 24, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 41);
        float[] input = LayerParameters.Uniform(new Random(42), LayerParameters.Count(layer.InputShape()));
        const int channel = 5, zeroRows = 12;
        Array.Clear(input, channel * 24 * 24, zeroRows * 24);
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { SkipZeroMaps = true, InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
        ConvWork work = kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles);
        Assert.True(work.TaskCopies, $"{path}: {work}");

        CounterValues before = kernel.Counters.Read();
        float[] output = Run(kernel, work, BlockedTensors.FromPlanar(input, 1, layer.InputChannels, 24 * 24, float.NaN), layer, path.ToString());
        OutputComparison.AssertClose(reference, output, path.ToString());
        // A task reads padded rows [first row * 1, last row + 3): rows of the input up to its last output row + 1.
        long leftOut = 0;
        for (int task = 0; task < work.TaskCount; task++)
        {
            ConvTask part = work.Task(task);
            int lastInputRow = (part.FirstColumn + part.ColumnCount - 1) / 24 + 1;
            if (lastInputRow < zeroRows) leftOut += (long)part.ColumnCount * layer.OutputChannels * 9;
        }
        Assert.True(leftOut > 0, "no task reads the zero rows only");
        long dense = (long)layer.OutputChannels * layer.InputChannels * 9 * 24 * 24;
        Assert.Equal(dense - leftOut, (kernel.Counters.Read() - before).ExecutedMacs);
    }

    /// <summary>
    /// A residual block's sum (ResNet's Add and Relu after a convolution): activation(conv + bias + residual) into blocked
    /// maps, from blocked and planar input, with zero maps skipped, on every edge shape (channels ending mid-block, a Clip
    /// whose lower bound is above zero: the lanes past the last channel must stay zero).
    /// </summary>
    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void A_residual_is_added_before_the_activation(SimdPath path, int shape)
    {
        ConvLayer layer = EdgeLayers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 60 + shape);
        float[] input = LayerParameters.Uniform(new Random(1_100 + shape), LayerParameters.Count(layer.InputShape()));
        int plane = layer.Height * layer.Width;
        for (int map = 0; map < layer.Batch * layer.InputChannels; map += 4) Array.Clear(input, map * plane, plane);
        double[] conv = ScalarReference.Conv(layer with { Activation = LayerActivation.None }, input, parameters.Weights, parameters.Bias);
        float[] residual = LayerParameters.Uniform(new Random(1_200 + shape), conv.Length);
        double[] expected = [.. conv.Select((v, i) => ScalarReference.Activate(layer.Activation, v + residual[i]))];
        foreach (MapLayout inputLayout in new[] { MapLayout.Blocked, MapLayout.Planar })
        {
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = MapLayout.Blocked, Residual = true, SkipZeroMaps = true };
            var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
            string context = $"shape {shape} on {path}, {inputLayout} in, residual: {layer}";
            ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
            float[] x = inputLayout == MapLayout.Blocked ? BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN) : input;
            float[] z = BlockedTensors.FromPlanar(residual, layer.Batch, layer.OutputChannels, work.Geometry.OutputSize, 0f);
            OutputComparison.AssertClose(expected, Run(kernel, work, x, layer, context, z), context);
        }
    }

    [Fact]
    public void A_residual_is_refused_with_planar_output()
    {
        var spec = new ConvSpec(16, 16, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, OutputLayout: MapLayout.Blocked, Residual: true);
        spec.Validate();
        Assert.Contains("residual", Assert.Throws<ArgumentException>(() => (spec with { OutputLayout = MapLayout.Planar }).Validate()).Message);
    }

    /// <summary>
    /// Sibling convolutions of one input as one node (a fire module's expands): the first channels a 1x1 convolution
    /// read at the kernel's centre, the rest the spatial one. Layers: output channels = pointwise + spatial.
    /// </summary>
    private static readonly (ConvLayer Layer, int Pointwise)[] PointwiseLayers =
    [
        (new(1, 40, 9, 10, 64 + 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }, 64),
        (new(2, 16, 7, 11, 128 + 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }, 128),
        // A 5 x 5 kernel, spatial channels ending mid-block (an odd number of blocks: AVX-512's narrow last panel), clip.
        (new(1, 21, 8, 6, 64 + 37, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) }, 64),
        // Only pointwise channels, K past one block of 128 on more positions than one block of K takes whole.
        (new(1, 200, 8, 9, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }, 64),
    ];

    public static TheoryData<SimdPath, int> PointwiseCases() => KernelSpecs.PathsAndShapes(Enumerable.Range(0, PointwiseLayers.Length));

    /// <summary>
    /// Against the scalar reference of the same weights (zero off the pointwise channels' centre), blocked and planar input,
    /// with and without zero maps (every third map, left out of both kinds of channels); MACs counted as the 1x1 and spatial
    /// convolutions' own.
    /// </summary>
    [Theory]
    [MemberData(nameof(PointwiseCases))]
    public void Pointwise_channels_read_the_centre_tap_only(SimdPath path, int shape)
    {
        (ConvLayer layer, int pointwise) = PointwiseLayers[shape];
        LayerParameters parameters = LayerParameters.ForFusedConv(layer, pointwise, seed: 40 + shape);
        int taps = layer.KernelHeight * layer.KernelWidth;
        int plane = layer.Height * layer.Width;
        foreach (bool zeroMaps in new[] { false, true })
        {
            float[] input = LayerParameters.Uniform(new Random(1_000 + shape), LayerParameters.Count(layer.InputShape()));
            int zero = 0;
            if (zeroMaps)
                for (int map = 0; map < layer.Batch * layer.InputChannels; map += 3, zero++) Array.Clear(input, map * plane, plane);
            double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
            foreach (MapLayout inputLayout in new[] { MapLayout.Blocked, MapLayout.Planar })
            {
                ConvSpec spec = KernelSpecs.ToConvSpec(layer) with
                {
                    InputLayout = inputLayout, OutputLayout = MapLayout.Blocked, PointwiseChannels = pointwise, SkipZeroMaps = zeroMaps,
                };
                var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
                string context = $"shape {shape} on {path}, {inputLayout} in, zero maps {zeroMaps}: {layer}, {pointwise} pointwise";
                // Position tiles and their lists of live taps: Winograd's tiles, which take the 3 x 3 layers on AVX-512, multiply
                // every map (WinogradTests.Pointwise_channels_beside_the_tiles_read_the_centre_tap_only).
                ConvAlgorithm? algorithm = kernel.Supports(ConvAlgorithm.Winograd, layer.Batch, layer.Height, layer.Width) ? ConvAlgorithm.PositionTiles : null;
                ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm);
                float[] x = inputLayout == MapLayout.Blocked ? BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN) : input;
                CounterValues before = kernel.Counters.Read();
                OutputComparison.AssertClose(expected, Run(kernel, work, x, layer, context), context);
                CounterValues counted = kernel.Counters.Read() - before;
                long perMap = (long)plane * (pointwise + (layer.OutputChannels - pointwise) * taps);
                Assert.Equal(perMap * layer.Batch * layer.InputChannels, counted.DenseMacs);
                // Every third map is a gap of at least nine taps (spatial) or lies at an end of K; the pointwise channels'
                // single-tap gaps are multiplied through unless at an end.
                if (!zeroMaps) Assert.Equal(counted.DenseMacs, counted.ExecutedMacs);
                else Assert.True(counted.ExecutedMacs < counted.DenseMacs, context);
            }
        }
    }

    [Fact]
    public void Pointwise_channels_are_refused_where_they_do_not_apply()
    {
        var spec = new ConvSpec(128, 16, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, OutputLayout: MapLayout.Blocked, PointwiseChannels: 64);
        spec.Validate();
        Assert.Contains("multiple of 64", Assert.Throws<ArgumentException>(() => (spec with { PointwiseChannels = 48 }).Validate()).Message);
        Assert.Contains("multiple of 64", Assert.Throws<ArgumentException>(() => (spec with { PointwiseChannels = 192 }).Validate()).Message);
        Assert.Contains("blocked output", Assert.Throws<ArgumentException>(() => (spec with { OutputLayout = MapLayout.Planar }).Validate()).Message);
        Assert.Contains("strides", Assert.Throws<ArgumentException>(() => (spec with { StrideHeight = 2 }).Validate()).Message);
        Assert.Contains("odd kernel", Assert.Throws<ArgumentException>(() => (spec with { PadTop = 0 }).Validate()).Message);
        Assert.Contains("odd kernel", Assert.Throws<ArgumentException>(() => (spec with { KernelWidth = 2 }).Validate()).Message);
        var weights = new float[128 * 16 * 9];
        weights[(5 * 16 + 3) * 9 + 1] = 0.5f;
        string message = Assert.Throws<ArgumentException>(() => new ConvKernel(spec, weights, [], SimdPaths.Best)).Message;
        Assert.Contains("W[5, 3, 0, 1] is 0.5", message);
        weights[(64 * 16 + 3) * 9 + 1] = 0.5f;
        weights[(5 * 16 + 3) * 9 + 1] = 0;
        _ = new ConvKernel(spec, weights, [], SimdPaths.Best);
    }

    [Fact]
    public void Blocked_layouts_are_refused_with_group_or_an_approximate_mechanism()
    {
        var blocked = new ConvSpec(32, 32, 3, 3, OutputLayout: MapLayout.Blocked);
        Assert.Contains("blocked", Assert.Throws<ArgumentException>(() => (blocked with { Group = 2 }).Validate()).Message);
        Assert.Contains("blocked", Assert.Throws<ArgumentException>(() => (blocked with { SdssDelta = 0.1f }).Validate()).Message);
        Assert.Contains("blocked", Assert.Throws<ArgumentException>(() => (blocked with { SfmaDelta = 0.1f }).Validate()).Message);
        Assert.Contains("blocked", Assert.Throws<ArgumentException>(() =>
            (blocked with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Planar, SpetPrefix = 0.5f, Activation = Activation.Relu }).Validate()).Message);
        var kernel = new ConvKernel(blocked, new float[32 * 32 * 9], [], SimdPaths.Best);
        Assert.Contains("blocked", Assert.Throws<ArgumentException>(() => kernel.Plan(1, 32, 8, 8, ConvAlgorithm.PaddedTaps)).Message);
    }

    /// <summary>Position tiles, and the kernel's own choice where it differs (Winograd's tiles, <see cref="WinogradTests"/>).</summary>
    private static void AssertMatches(ConvLayer layer, int seed, SimdPath path)
    {
        LayerParameters parameters = LayerParameters.ForConv(layer, seed);
        float[] input = LayerParameters.Uniform(new Random(20_000 + seed), LayerParameters.Count(layer.InputShape()));
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        int plane = layer.Height * layer.Width;
        foreach ((MapLayout inputLayout, MapLayout outputLayout) in Layouts)
        foreach (ConvAlgorithm? algorithm in new ConvAlgorithm?[] { ConvAlgorithm.PositionTiles, null })
        {
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = outputLayout };
            var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], path);
            ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm);
            if (algorithm is null && work.Algorithm == ConvAlgorithm.PositionTiles) continue;
            string context = $"seed {seed} on {path}, {inputLayout} in, {outputLayout} out, {work.Algorithm}: {layer}";
            float[] x = inputLayout == MapLayout.Blocked ? BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN) : input;
            CounterValues before = kernel.Counters.Read();
            float[] output = Run(kernel, work, x, layer, context);
            long dense = (long)layer.Batch * layer.OutputChannels * layer.InputChannels * layer.KernelHeight * layer.KernelWidth * work.Geometry.OutputSize;
            Assert.Equal(dense, (kernel.Counters.Read() - before).DenseMacs);
            OutputComparison.AssertClose(expected, output, context);
        }
    }

    /// <summary>
    /// Where the host runs one thread, position tiles cut an image only where the caches want it: one task where the
    /// image outweighs the weights (64 channels of 28 x 28 through a 1x1 layer, eight chunks for threads otherwise), the
    /// same panel ranges where the weights outweigh it (512 channels of 7 x 7 through a 3x3 one). The same outputs, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_thread_cuts_position_tiles_only_for_the_caches(bool weightsFirst)
    {
        ConvLayer layer = weightsFirst
            ? new(1, 512, 7, 7, 512, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }
            : new(1, 64, 28, 28, 64, 1, 1) { HasBias = true, Activation = LayerActivation.Relu };
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 60);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPaths.Best);
        ConvWork shared = kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width);
        ConvWork alone = kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width, parallel: false);
        Assert.Equal((ConvAlgorithm.PositionTiles, ConvAlgorithm.PositionTiles), (shared.Algorithm, alone.Algorithm));
        if (weightsFirst)
        {
            Assert.True(shared.RowChunks > 1, $"{shared.RowChunks} panel ranges");
            Assert.Equal((shared.ColumnChunks, shared.RowChunks), (alone.ColumnChunks, alone.RowChunks));
        }
        else
        {
            Assert.True(shared.ColumnChunks > 1, $"{shared.ColumnChunks} chunks");
            Assert.Equal((1, 1), (alone.ColumnChunks, alone.RowChunks));
        }
        float[] input = BlockedTensors.FromPlanar(LayerParameters.Uniform(new Random(61), LayerParameters.Count(layer.InputShape())),
            layer.Batch, layer.InputChannels, layer.Height * layer.Width, float.NaN);
        Assert.Equal(Run(kernel, shared, input, layer, "parallel plan"), Run(kernel, alone, input, layer, "one thread's plan"));
    }

    /// <summary>Runs the kernel into guarded memory; a blocked output is checked for zero padded lanes and returned planar.</summary>
    internal static float[] Run(ConvKernel kernel, ConvWork work, float[] input, ConvLayer layer, string context, float[]? residual = null)
    {
        int outputPlane = work.Geometry.OutputSize;
        bool blocked = kernel.Spec.OutputLayout == MapLayout.Blocked;
        int channels = blocked ? BlockedTensors.Blocks(layer.OutputChannels) * Block : layer.OutputChannels;
        GuardedOutput output = ConvRuns.Run(kernel, work, input, layer.Batch * channels * outputPlane, residual);
        output.AssertGuardsIntact(context);
        float[] values = output.Values.ToArray();
        return blocked ? BlockedTensors.ToPlanar(values, layer.Batch, layer.OutputChannels, outputPlane, context) : values;
    }
}
