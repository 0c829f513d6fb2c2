using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// SDSS (<see cref="ConvAlgorithm.Sampled"/>) on every vector path against <see cref="SdssReference"/> applied to
/// the scalar reference convolution: the same decisions (up to float rounding at the threshold), the same
/// values within the common tolerance, and the work it reports.
/// </summary>
public sealed unsafe class SampledConvTests
{
    private const int ShapeCount = 60;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    public static TheoryData<SimdPath, int> SomeCases(int first) => KernelSpecs.PathsAndSixthOfShapes(ShapeCount, first);

    /// <summary>
    /// Stride-1, one-group convolutions: maps from 1 x 1 up (odd and even sides), output channels across several
    /// blocks and ragged tiles, kernels 1 to 5, dilation, uneven pads; every fourth shape has zero input maps.
    /// </summary>
    private static ConvLayer Layer(int shape)
    {
        var r = new Random(7_000 + shape);
        int k = r.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
        int dilation = r.Next(5) == 0 ? 2 : 1;
        int extent = (k - 1) * dilation + 1;
        return new ConvLayer(r.Next(1, 3), r.Next(1, 24), r.Next(extent, extent + 14), r.Next(extent, extent + 14), r.Next(1, 90), k, k)
        {
            DilationHeight = dilation,
            DilationWidth = dilation,
            PadTop = r.Next(0, k / 2 + 1), PadLeft = r.Next(0, k / 2 + 1), PadBottom = r.Next(0, k / 2 + 1), PadRight = r.Next(0, k / 2 + 1),
            HasBias = r.Next(2) == 0,
            Activation = RandomLayers.Activation(r),
        };
    }

    private sealed record Case(ConvLayer Layer, LayerParameters Parameters, float[] Input, double[] Exact, double Scale, int[] LiveK);

    private static Case Make(int shape)
    {
        ConvLayer layer = Layer(shape);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        // Non-negative inputs, as after a ReLU.
        float[] input = LayerParameters.Uniform(new Random(20_000 + shape), LayerParameters.Count(layer.InputShape()));
        for (int i = 0; i < input.Length; i++) input[i] = Math.Abs(input[i]);
        int plane = layer.Height * layer.Width;
        var live = new int[layer.Batch];
        var random = new Random(shape);
        for (int image = 0; image < layer.Batch; image++)
            for (int c = 0; c < layer.InputChannels; c++)
            {
                if (shape % 4 == 3 && random.Next(3) == 0) Array.Clear(input, (image * layer.InputChannels + c) * plane, plane);
                else live[image] += layer.KernelHeight * layer.KernelWidth;
            }
        double[] exact = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        double scale = Math.Sqrt(exact.Sum(v => v * v) / exact.Length);
        return new Case(layer, parameters, input, exact, scale > 0 ? scale : 1, live);
    }

    private static ConvKernel Kernel(Case c, SimdPath path, float delta) =>
        new(KernelSpecs.ToConvSpec(c.Layer) with { SkipZeroMaps = true, SdssDelta = delta, ActivationScale = (float)c.Scale },
            c.Parameters.Weights, c.Parameters.Bias ?? [], path);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_decisions_values_and_work(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvLayer layer = c.Layer;
        // Thresholds from a tenth of the layer's scale (most positions computed) to twice it (most interpolated).
        float delta = (shape % 3) switch { 0 => 0.1f, 1 => 0.5f, _ => 2f };
        float effort = shape % 2 == 0 ? 1f : 0.6f;
        ConvKernel kernel = Kernel(c, path, delta);
        string context = $"shape {shape} on {path}, delta {delta}, effort {effort}: {layer}";

        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, effort: effort);
        Assert.Equal(ConvAlgorithm.Sampled, work.Algorithm);
        GuardedOutput output = ConvRuns.Run(kernel, work, c.Input);
        output.AssertGuardsIntact(context);

        int outH = work.Geometry.OutputHeight, outW = work.Geometry.OutputWidth;
        double threshold = (double)(delta * (float)c.Scale * effort);
        double[] expected = SdssReference.Apply(c.Exact, layer.Batch, layer.OutputChannels, outH, outW, threshold,
            margin: 1e-4 * Math.Max(1, c.Exact.Max(Math.Abs)), out bool[] ambiguous, out double[] interpolated, out long[] computed);
        bool anyAmbiguous = false;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!ambiguous[i]) continue;
            anyAmbiguous = true;
            // Either side of the threshold is right: compare with the nearer.
            double asComputed = Math.Abs(output.Values[i] - c.Exact[i]), asInterpolated = Math.Abs(output.Values[i] - interpolated[i]);
            expected[i] = asComputed <= asInterpolated ? c.Exact[i] : interpolated[i];
        }
        OutputComparison.AssertClose(expected, output.Values, context);

        CounterValues counted = kernel.Counters.Read();
        long positions = (long)outH * outW;
        int k = layer.InputChannels * layer.KernelHeight * layer.KernelWidth;
        Assert.Equal((long)layer.Batch * layer.OutputChannels * positions * k, counted.DenseMacs);
        Assert.Equal((long)layer.Batch * layer.OutputChannels * positions, counted.Outputs);
        long gridOutputs = (long)layer.OutputChannels * ((outH + 1) / 2) * ((outW + 1) / 2);
        long offGrid = layer.OutputChannels * positions - gridOutputs;
        if (!anyAmbiguous)
        {
            long executed = 0;
            for (int image = 0; image < layer.Batch; image++) executed += (gridOutputs + computed[image]) * c.LiveK[image];
            Assert.Equal(executed, counted.ExecutedMacs);
            Assert.Equal(layer.Batch * offGrid - computed.Sum(), counted.ApproximatedOutputs);
        }
        Assert.True(counted.OverheadOps > 0 || offGrid == 0, $"{context}: {counted}");
    }

    [Theory]
    [MemberData(nameof(SomeCases), 0)]
    public void More_effort_never_executes_more(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvRuns.AssertWorkNeverGrowsWithEffort(Kernel(c, path, delta: 1f), c.Layer, c.Input, $"shape {shape} on {path}");
    }

    [Theory]
    [MemberData(nameof(SomeCases), 1)]
    public void Effort_zero_runs_the_exact_kernel(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvKernel kernel = Kernel(c, path, delta: 1f);
        ConvWork work = kernel.Plan(c.Layer.Batch, c.Layer.InputChannels, c.Layer.Height, c.Layer.Width, effort: 0f);
        Assert.NotEqual(ConvAlgorithm.Sampled, work.Algorithm);
        OutputComparison.AssertClose(c.Exact, ConvRuns.Run(kernel, work, c.Input).Values, $"shape {shape} on {path}");
    }

    /// <summary>A kernel with SDSS keeps the position tiles' packing, which also runs the convolution exactly.</summary>
    [Theory]
    [MemberData(nameof(SomeCases), 2)]
    public void Position_tiles_run_the_convolution_exactly(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvKernel kernel = Kernel(c, path, delta: 1f);
        ConvWork work = kernel.Plan(c.Layer.Batch, c.Layer.InputChannels, c.Layer.Height, c.Layer.Width, ConvAlgorithm.PositionTiles);
        GuardedOutput output = ConvRuns.Run(kernel, work, c.Input);
        output.AssertGuardsIntact($"shape {shape} on {path}");
        OutputComparison.AssertClose(c.Exact, output.Values, $"shape {shape} on {path}");
    }

    [Fact]
    public void An_infinite_threshold_computes_only_the_grid()
    {
        Case c = Make(0);
        var kernel = new ConvKernel(KernelSpecs.ToConvSpec(c.Layer) with { SdssDelta = float.MaxValue }, c.Parameters.Weights, c.Parameters.Bias ?? [], SimdPaths.Best);
        ConvWork work = kernel.Plan(c.Layer.Batch, c.Layer.InputChannels, c.Layer.Height, c.Layer.Width, effort: 1f);
        ConvRuns.Run(kernel, work, c.Input);
        int k = c.Layer.InputChannels * c.Layer.KernelHeight * c.Layer.KernelWidth;
        long grid = (long)c.Layer.Batch * c.Layer.OutputChannels * ((work.Geometry.OutputHeight + 1) / 2) * ((work.Geometry.OutputWidth + 1) / 2);
        Assert.Equal(grid * k, kernel.Counters.Read().ExecutedMacs);
    }

    [Fact]
    public void Sdss_is_refused_where_it_does_not_apply()
    {
        var strided = new ConvSpec(8, 4, 3, 3, StrideHeight: 2, StrideWidth: 2, SdssDelta: 1f);
        var kernel = new ConvKernel(strided, new float[strided.WeightCount], [], SimdPaths.Best);
        Assert.NotEqual(ConvAlgorithm.Sampled, kernel.Plan(1, 4, 9, 9, effort: 1f).Algorithm);
        var error = Assert.Throws<ArgumentException>(() => kernel.Plan(1, 4, 9, 9, ConvAlgorithm.Sampled, effort: 1f));
        Assert.Contains("SDSS", error.Message);
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Effort_outside_zero_to_one_is_refused(float effort)
    {
        var spec = new ConvSpec(8, 4, 3, 3, SdssDelta: 1f);
        var kernel = new ConvKernel(spec, new float[spec.WeightCount], [], SimdPaths.Best);
        Assert.Contains("effort", Assert.Throws<ArgumentException>(() => kernel.Plan(1, 4, 9, 9, effort: effort)).Message);
    }
}
