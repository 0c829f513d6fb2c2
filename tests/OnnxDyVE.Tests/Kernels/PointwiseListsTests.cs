using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// 1 x 1 convolutions over each position's own list of nonzero inputs (<see cref="PointwiseLists"/>, AVX-512): against the
/// scalar reference at 1e-4 of the largest output, on sparse inputs (every task's sample takes the lists) with channels
/// ending mid-block and the blocks' padding lanes NaN, one group of output vectors and several, passes over K, every
/// activation, two images, blocked output and a padded (interior) run into planar maps, bit for bit the position tiles';
/// executed MACs exactly the nonzero inputs times the output channels; dense inputs left to position tiles; where it does
/// not run.
/// </summary>
public sealed class PointwiseListsTests
{
    private static ConvLayer Pointwise(int batch, int channels, int height, int width, int outputs, int pad = 0) =>
        new(batch, channels, height, width, outputs, 1, 1) { PadTop = pad, PadLeft = pad, PadBottom = pad, PadRight = pad, HasBias = true };

    private static readonly (ConvLayer Layer, MapLayout Output)[] Layers =
    [
        // A squeeze's shape (two output vectors), channels ending mid-block.
        (Pointwise(1, 40, 9, 11, 32) with { Activation = LayerActivation.Relu }, MapLayout.Blocked),
        // Three vectors, 12.5 input blocks, no bias, two images.
        (Pointwise(2, 200, 7, 7, 48) with { HasBias = false }, MapLayout.Blocked),
        // Four vectors and 96 KB of weight rows: three passes over K, partial sums between them.
        (Pointwise(1, 384, 6, 6, 64) with { Activation = LayerActivation.LeakyRelu(0.1f) }, MapLayout.Blocked),
        // Several groups of output vectors sharing the lists, a last group of one vector and a half.
        (Pointwise(1, 96, 5, 5, 200) with { Activation = LayerActivation.Clip(0.25f, 6f) }, MapLayout.Blocked),
        // conv_final's kind: padded 1 x 1 into planar maps, the border the bias alone, many outputs.
        (Pointwise(1, 72, 6, 7, 272, pad: 1) with { Activation = LayerActivation.Relu }, MapLayout.Planar),
        (Pointwise(2, 33, 5, 4, 96, pad: 1), MapLayout.Planar),
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, Layers.Length));

    private static bool HasAvx512 => SimdPaths.Best >= SimdPath.Vector512 && Avx512F.IsSupported;

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sparse_inputs_multiply_each_position_s_nonzero_inputs_only(int shape)
    {
        if (!HasAvx512) return;
        (ConvLayer layer, MapLayout outputLayout) = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 600 + shape);
        float[] input = ZeroInputTests.SparseInput(layer, new Random(610 + shape), nonzero: 0.1);
        string context = $"shape {shape}: {layer} -> {outputLayout}";
        (float[] output, ConvWork work, CounterValues counted) = Run(layer, parameters, input, outputLayout, algorithm: null, context);
        Assert.True(work.PointwiseLists, context);
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), output, context);
        // The position tiles' sums bit for bit (theirs with their own lists of live taps).
        Assert.Equal(Run(layer, parameters, input, outputLayout, ConvAlgorithm.PositionTiles, context).Output, output);

        long nonzero = input.LongCount(v => v != 0);
        int outputSize = work.Geometry.OutputSize, inputSize = layer.Height * layer.Width;
        // The border of a padded run reads padding only and counts as the dense product (ConvKernel.FillBorder).
        long border = (long)layer.Batch * (outputSize - inputSize) * layer.OutputChannels * layer.InputChannels;
        Assert.Equal(nonzero * layer.OutputChannels + border, counted.ExecutedMacs);
        Assert.Equal((long)layer.Batch * outputSize * layer.OutputChannels * layer.InputChannels, counted.DenseMacs);
        Assert.Equal((long)layer.Batch * inputSize * layer.InputChannels, counted.OverheadOps);
    }

    /// <summary>Inputs with no zero: every task's sample leaves it to position tiles, whose outputs and counts it has.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Dense_inputs_run_as_position_tiles(int shape)
    {
        if (!HasAvx512) return;
        (ConvLayer layer, MapLayout outputLayout) = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 620 + shape);
        float[] input = ZeroInputTests.SparseInput(layer, new Random(630 + shape), nonzero: 1);
        string context = $"shape {shape}: {layer} -> {outputLayout}";
        (float[] own, ConvWork work, CounterValues counted) = Run(layer, parameters, input, outputLayout, algorithm: null, context);
        Assert.True(work.PointwiseLists, context);
        Assert.Equal(counted.DenseMacs, counted.ExecutedMacs);
        Assert.Equal(0, counted.OverheadOps);
        // Forced position tiles plan ranges of panels where the weights outweigh the maps; each position's sums are the same.
        (float[] tiles, _, _) = Run(layer, parameters, input, outputLayout, ConvAlgorithm.PositionTiles, context);
        Assert.Equal(tiles, own);
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), own, context);
    }

    /// <summary>
    /// Position tiles forced (tests, benchmarks), one block of outputs, an infinite weight (0 x inf is NaN: a zero input is
    /// not nothing), an approximate mechanism, a spatial kernel, narrower paths: no lists.
    /// </summary>
    [Fact]
    public void Not_where_it_does_not_apply()
    {
        ConvLayer layer = Layers[0].Layer;
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 640);
        ConvSpec spec = Spec(layer, MapLayout.Blocked);
        bool Lists(ConvSpec s, float[] weights, SimdPath path, ConvAlgorithm? algorithm = null) =>
            new ConvKernel(s, weights, parameters.Bias.AsSpan(0, s.OutputChannels), path)
                .Plan(layer.Batch, s.InputChannels, layer.Height, layer.Width, algorithm).PointwiseLists;
        foreach (SimdPath path in KernelSpecs.AvailablePaths().Where(p => p < SimdPath.Vector512))
            Assert.False(Lists(spec, parameters.Weights, path), $"{path}");
        if (!HasAvx512) return;
        Assert.True(Lists(spec, parameters.Weights, SimdPath.Vector512));
        Assert.False(Lists(spec, parameters.Weights, SimdPath.Vector512, ConvAlgorithm.PositionTiles), "position tiles forced");
        ConvSpec one = spec with { OutputChannels = 16 };
        Assert.False(Lists(one, parameters.Weights[..(16 * layer.InputChannels)], SimdPath.Vector512), "16 outputs");
        float[] infinite = [.. parameters.Weights];
        infinite[^1] = float.PositiveInfinity;
        Assert.False(Lists(spec, infinite, SimdPath.Vector512), "an infinite weight");
        Assert.False(Lists(spec with { SkipZeroInputs = false }, parameters.Weights, SimdPath.Vector512), "zero inputs not skipped");
        Assert.False(PointwiseLists.Applies(spec with { KernelHeight = 3, KernelWidth = 3 }, SimdPath.Vector512), "3 x 3");
        Assert.False(PointwiseLists.Applies(spec with { InputLayout = MapLayout.Planar }, SimdPath.Vector512), "planar input");
        Assert.False(PointwiseLists.Applies(spec with { SpetPrefix = 0.5f, SpetDelta = 1 }, SimdPath.Vector512), "SPET");
        Assert.False(PointwiseLists.Applies(spec with { Residual = true }, SimdPath.Vector512), "a residual");
    }

    /// <summary>Fewer inputs may be kept for the lists to pay where they serve fewer output vectors (the lists cost as much).</summary>
    [Fact]
    public void Lists_pay_at_fewer_kept_inputs_the_fewer_output_vectors_they_serve()
    {
        double[] kept = [.. Enumerable.Range(1, 8).Select(PointwiseLists.MaxKept)];
        Assert.All(kept.Zip(kept.Skip(1)), pair => Assert.True(pair.First < pair.Second));
        Assert.InRange(kept[0], 0.2, 0.3);
        Assert.InRange(kept[^1], 0.6, 2.0 / 3);
    }

    private static ConvSpec Spec(ConvLayer layer, MapLayout outputLayout) =>
        KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = outputLayout, SkipZeroInputs = true, SkipZeroMaps = true };

    /// <summary>The layer on blocked input (padding lanes NaN), the output planar.</summary>
    private static (float[] Output, ConvWork Work, CounterValues Counted) Run(ConvLayer layer, LayerParameters parameters, float[] input,
        MapLayout outputLayout, ConvAlgorithm? algorithm, string context)
    {
        var kernel = new ConvKernel(Spec(layer, outputLayout), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, algorithm);
        float[] blocked = BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, layer.Height * layer.Width, float.NaN);
        CounterValues before = kernel.Counters.Read();
        float[] output = outputLayout == MapLayout.Blocked
            ? BlockedConvTests.Run(kernel, work, blocked, layer, context)
            : RunPlanar(kernel, work, blocked, context);
        return (output, work, kernel.Counters.Read() - before);
    }

    private static float[] RunPlanar(ConvKernel kernel, ConvWork work, float[] blocked, string context)
    {
        GuardedOutput output = ConvRuns.Run(kernel, work, blocked);
        output.AssertGuardsIntact(context);
        return output.Values.ToArray();
    }
}
