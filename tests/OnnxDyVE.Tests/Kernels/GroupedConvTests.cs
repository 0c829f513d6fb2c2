using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Grouped convolutions on position tiles (whole pairs of 32-channel panels a group): each group's panels read its own
/// input channels, and zero maps cut each group's K on their own.
/// </summary>
public sealed class GroupedConvTests
{
    /// <summary>AlexNet's grouped layers, scaled down, and the shapes around them (stride, dilation, four groups, K in passes, two images).</summary>
    private static readonly ConvLayer[] Layers =
    [
        new(1, 16, 9, 11, 128, 3, 3) { Group = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 24, 7, 8, 256, 5, 5) { Group = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true },
        new(1, 48, 13, 13, 384, 3, 3) { Group = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 12, 15, 17, 128, 3, 3) { Group = 2, StrideHeight = 2, StrideWidth = 2, PadTop = 1, PadLeft = 1, PadBottom = 0, PadRight = 1 },
        new(1, 32, 6, 7, 256, 3, 3) { Group = 4, DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true },
        new(1, 256, 8, 8, 128, 3, 3) { Group = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
    ];

    public static int ShapeCount => Layers.Length;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(Layers.Length);

    /// <summary>
    /// A third of the maps zero (map 0 of every group's first image among them, and all of group 1's in the last shape's):
    /// the reference's values, bit-identical to the dense kernel's, and every zero map's taps left out of its group only.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Zero_maps_are_left_out_group_by_group(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        ConvSpec dense = KernelSpecs.ToConvSpec(layer);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 900 + shape);
        var kernel = new ConvKernel(dense with { SkipZeroMaps = true }, parameters.Weights, parameters.Bias ?? [], path);
        var denseKernel = new ConvKernel(dense, parameters.Weights, parameters.Bias ?? [], path);
        float[] input = LayerParameters.Uniform(new Random(41_000 + shape), LayerParameters.Count(layer.InputShape()));
        int plane = layer.Height * layer.Width, groupChannels = layer.InputChannels / layer.Group;
        var random = new Random(shape);
        for (int map = 0; map < layer.Batch * layer.InputChannels; map++)
        {
            int channel = map % layer.InputChannels;
            bool wholeGroup = shape == Layers.Length - 1 && channel / groupChannels == 1;
            if (channel % groupChannels == 0 || wholeGroup || random.Next(3) == 0) Array.Clear(input, map * plane, plane);
        }
        string context = $"shape {shape} on {path}: {layer}";

        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles);
        CounterValues before = kernel.Counters.Read();
        GuardedOutput skipped = ConvRuns.Run(kernel, work, input);
        CounterValues counted = kernel.Counters.Read() - before;
        GuardedOutput expected = ConvRuns.Run(denseKernel, denseKernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles), input);

        skipped.AssertGuardsIntact(context);
        Assert.Equal(expected.Values.ToArray(), skipped.Values.ToArray());
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), skipped.Values, context);
        // Every kernel here has nine taps or more a map, so every zero map is left out: MACs = live maps x taps x the group's outputs.
        long liveMaps = Enumerable.Range(0, layer.Batch * layer.InputChannels).Count(map => input.AsSpan(map * plane, plane).IndexOfAnyExcept(0f) >= 0);
        long perMap = (long)layer.KernelHeight * layer.KernelWidth * (layer.OutputChannels / layer.Group) * work.Geometry.OutputSize;
        Assert.Equal(liveMaps * perMap, counted.ExecutedMacs);
        Assert.Equal((long)layer.Batch * layer.InputChannels * perMap, counted.DenseMacs);
    }

    /// <summary>Every algorithm that applies, position tiles among them, against the reference with every MAC counted once.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_algorithm_matches_scalar_reference(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        var kernel = new ConvKernel(KernelSpecs.ToConvSpec(layer), new float[KernelSpecs.ToConvSpec(layer).WeightCount], [], path);
        Assert.True(kernel.Supports(ConvAlgorithm.PositionTiles, layer.Batch, layer.Height, layer.Width), $"{layer}");
        ConvKernelTests.AssertEveryAlgorithmMatches(layer, 950 + shape, path);
    }

    /// <summary>
    /// Stride-1 grouped layers choose position tiles on AVX-512 (K from 128: AlexNet's conv2, conv4, conv5); groups of
    /// outputs that are not whole pairs of panels, blocked maps and the approximate mechanisms keep them out.
    /// </summary>
    [Fact]
    public void Position_tiles_take_groups_of_whole_panel_pairs_between_planar_maps()
    {
        ConvSpec alexnetConv4 = KernelSpecs.ToConvSpec(new ConvLayer(1, 384, 13, 13, 384, 3, 3) { Group = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 });
        Assert.True(PositionTiles.Applies(alexnetConv4));
        if (SimdPaths.Best == SimdPath.Vector512)
        {
            var kernel = new ConvKernel(alexnetConv4, new float[alexnetConv4.WeightCount], [], SimdPath.Vector512);
            Assert.Equal(ConvAlgorithm.PositionTiles, kernel.Plan(1, 384, 13, 13).Algorithm);
        }
        Assert.False(PositionTiles.Applies(alexnetConv4 with { OutputChannels = 2 * 96 }));
        Assert.False(PositionTiles.Applies(alexnetConv4 with { OutputLayout = MapLayout.Blocked }));
        Assert.False(PositionTiles.Applies(alexnetConv4 with { SdssDelta = 0.5f }));
        Assert.False(PositionTiles.Applies(alexnetConv4 with { SpetPrefix = 0.25f, SpetDelta = 0.1f }));
        Assert.False(PositionTiles.Applies(alexnetConv4 with { SfmaDelta = 0.1f }));
        Assert.False(PositionTiles.CopiesPlanarIntoBlocks(alexnetConv4));
    }
}
