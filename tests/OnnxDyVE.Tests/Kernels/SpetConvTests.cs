using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// SPET (<see cref="ConvAlgorithm.Spet"/>) on every vector path against <see cref="SpetReference"/>: the same
/// decisions (up to float rounding at the floor), the same values within the common tolerance, the work it
/// reports; exact SPET (effort 0) against the dense reference; and decisions on a hand-built layer.
/// </summary>
public sealed unsafe class SpetConvTests
{
    private const int ShapeCount = 48;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    public static TheoryData<SimdPath, int> SomeCases(int first) => KernelSpecs.PathsAndSixthOfShapes(ShapeCount, first);

    private static readonly (float Min, float Max)[] ClipBounds = [(0f, 6f), (-0.5f, 0.5f), (0.25f, 0.75f)];

    /// <summary>
    /// Stride-1, one-group convolutions followed by ReLU or clip: 2 to 40 input channels (rests under 8 padded, 8
    /// and more rounded to whole 8s), output channels across ragged tiles, kernels 1 to 5, dilation, uneven pads.
    /// </summary>
    private static ConvLayer Layer(int shape)
    {
        var r = new Random(9_000 + shape);
        int k = r.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
        int dilation = r.Next(5) == 0 ? 2 : 1;
        int extent = (k - 1) * dilation + 1;
        (float min, float max) = ClipBounds[r.Next(ClipBounds.Length)];
        return new ConvLayer(r.Next(1, 3), r.Next(2, 41), r.Next(extent, extent + 12), r.Next(extent, extent + 12), r.Next(1, 70), k, k)
        {
            DilationHeight = dilation,
            DilationWidth = r.Next(2) == 0 ? dilation : 1,
            PadTop = r.Next(0, k / 2 + 1), PadLeft = r.Next(0, k / 2 + 1), PadBottom = r.Next(0, k / 2 + 1), PadRight = r.Next(0, k / 2 + 1),
            HasBias = r.Next(2) == 0,
            Activation = r.Next(3) == 0 ? LayerActivation.Clip(min, max) : LayerActivation.Relu,
        };
    }

    private sealed record Case(ConvLayer Layer, LayerParameters Parameters, float[] Input, double Scale, float Prefix, int[] ZeroMaps);

    private static Case Make(int shape)
    {
        ConvLayer layer = Layer(shape);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        var random = new Random(30_000 + shape);
        float[] input = LayerParameters.Uniform(random, LayerParameters.Count(layer.InputShape()));
        // Non-negative inputs, as after a ReLU, but for every fifth shape (a first layer reads signed pixels).
        if (shape % 5 != 4)
            for (int i = 0; i < input.Length; i++) input[i] = Math.Abs(input[i]);
        int plane = layer.Height * layer.Width;
        var zeroMaps = new int[layer.Batch];
        for (int image = 0; image < layer.Batch; image++)
            for (int c = 0; c < layer.InputChannels; c++)
                if (shape % 4 == 3 && random.Next(3) == 0)
                {
                    Array.Clear(input, (image * layer.InputChannels + c) * plane, plane);
                    zeroMaps[image]++;
                }
        double[] exact = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        double scale = Math.Sqrt(exact.Sum(v => v * v) / exact.Length);
        float prefix = (shape % 3) switch { 0 => 0.25f, 1 => 0.5f, _ => 0.75f };
        return new Case(layer, parameters, input, scale > 0 ? scale : 1, prefix, zeroMaps);
    }

    private static ConvKernel Kernel(Case c, SimdPath path, float delta) =>
        new(KernelSpecs.ToConvSpec(c.Layer) with { SkipZeroMaps = true, SpetPrefix = c.Prefix, SpetDelta = delta, ActivationScale = (float)c.Scale },
            c.Parameters.Weights, c.Parameters.Bias ?? [], path);

    private static double Floor(ConvLayer layer) => layer.Activation.Kind == LayerActivationKind.Clip ? layer.Activation.Min : 0;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_decisions_values_and_work(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvLayer layer = c.Layer;
        // Strength t = effort x delta: exact (0), half way (0.5), partial sums alone (1), beyond (1.5).
        const float delta = 2f;
        float effort = (shape % 4) * 0.25f;
        ConvKernel kernel = Kernel(c, path, delta);
        string context = $"shape {shape} on {path}, prefix {c.Prefix}, effort {effort}: {layer}";

        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, effort: effort);
        Assert.Equal(ConvAlgorithm.Spet, work.Algorithm);
        GuardedOutput output = ConvRuns.Run(kernel, work, c.Input);
        output.AssertGuardsIntact(context);

        SpetReference.Result expected = SpetReference.Apply(layer, c.Input, c.Parameters.Weights, c.Parameters.Bias, c.Prefix,
            effort * delta, (float)c.Scale, Floor(layer));
        double[] values = (double[])expected.Values.Clone();
        for (int i = 0; i < values.Length; i++)
            if (expected.Ambiguous[i])
            {
                // Either side of the floor is right: compare with the nearer.
                double floor = Floor(layer);
                double asComputed = Math.Abs(output.Values[i] - expected.Exact[i]);
                values[i] = asComputed <= Math.Abs(output.Values[i] - floor) ? expected.Exact[i] : floor;
            }
        OutputComparison.AssertClose(values, output.Values, context);

        CounterValues counted = kernel.Counters.Read();
        int taps = layer.KernelHeight * layer.KernelWidth;
        int k = layer.InputChannels * taps;
        long perImage = (long)layer.OutputChannels * work.Geometry.OutputSize;
        Assert.Equal(layer.Batch * perImage * k, counted.DenseMacs);
        Assert.Equal(layer.Batch * perImage, counted.Outputs);
        if (!expected.Ambiguous.Any(a => a))
        {
            Assert.Equal(expected.Stopped.Sum(), counted.StoppedOutputs);
            long executed = 0;
            int restK = (layer.InputChannels - expected.PrefixChannels) * taps;
            for (int image = 0; image < layer.Batch; image++)
            {
                int zeroPrefix = 0;
                int plane = layer.Height * layer.Width;
                foreach (int channel in expected.Order.Take(expected.PrefixChannels))
                    if (c.Input.AsSpan((image * layer.InputChannels + channel) * plane, plane).IndexOfAnyExcept(0f) < 0) zeroPrefix++;
                executed += perImage * (expected.PrefixChannels - zeroPrefix) * taps + (perImage - expected.Stopped[image]) * restK;
            }
            Assert.Equal(executed, counted.ExecutedMacs);
        }
        Assert.True(counted.OverheadOps >= counted.Outputs, $"{context}: {counted}");
    }

    [Theory]
    [MemberData(nameof(SomeCases), 0)]
    public void Effort_zero_is_exact_and_stops_only_saturated_outputs(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvKernel kernel = Kernel(c, path, delta: 2f);
        ConvWork work = kernel.Plan(c.Layer.Batch, c.Layer.InputChannels, c.Layer.Height, c.Layer.Width, effort: 0f);
        Assert.Equal(ConvAlgorithm.Spet, work.Algorithm);
        double[] exact = ScalarReference.Conv(c.Layer, c.Input, c.Parameters.Weights, c.Parameters.Bias);
        OutputComparison.AssertClose(exact, ConvRuns.Run(kernel, work, c.Input).Values, $"shape {shape} on {path}");
        CounterValues counted = kernel.Counters.Read();
        Assert.True(counted.ExecutedMacs <= counted.DenseMacs, counted.ToString());
    }

    [Theory]
    [MemberData(nameof(SomeCases), 1)]
    public void More_effort_never_executes_more(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvRuns.AssertWorkNeverGrowsWithEffort(Kernel(c, path, delta: 3f), c.Layer, c.Input, $"shape {shape} on {path}");
    }

    /// <summary>
    /// 1x1, two input channels, two outputs, ReLU, four positions. Channel 0 carries the larger weights, so the
    /// prefix (half) is channel 0 and the rest channel 1, whose values lie in [0, 1]. Output 0 has weights (2, 1),
    /// output 1 (-2, 0.5). Exact SPET (t = 0) stops output 0 where channel 0 is -1 (-2 + at most 1 &lt; 0) and output 1
    /// where channel 0 is 1 (-2 + at most 0.5); predicting from the partial sum alone (t = 1) also stops output 1
    /// where channel 0 is 0.2 (-0.4), which exact SPET keeps (-0.4 + at most 0.5), rightly: its value is 0.1.
    /// </summary>
    [Theory]
    [InlineData(0f, new float[] { 3f, 0f, 1.4f, 0f, 0f, 2f, 0.1f, 2f }, 3L)]
    [InlineData(1f, new float[] { 3f, 0f, 1.4f, 0f, 0f, 2f, 0f, 2f }, 4L)]
    public void Decides_as_the_rule_says_on_a_hand_built_layer(float strength, float[] expected, long stopped)
    {
        var spec = new ConvSpec(2, 2, 1, 1, Activation: Activation.Relu, SpetPrefix: 0.5f, SpetDelta: 1f);
        float[] weights = [2f, 1f, -2f, 0.5f];
        // Channel 0 at the four positions, then channel 1.
        float[] input = [1f, -1f, 0.2f, -1f, 1f, 0f, 1f, 0f];
        foreach (SimdPath path in KernelSpecs.AvailablePaths())
        {
            var kernel = new ConvKernel(spec, weights, [], path);
            GuardedOutput output = ConvRuns.Run(kernel, kernel.Plan(1, 2, 2, 2, effort: strength), input);
            OutputComparison.AssertClose(expected, output.Values, $"t = {strength} on {path}");
            CounterValues counted = kernel.Counters.Read();
            Assert.Equal(stopped, counted.StoppedOutputs);
            // Every output runs the prefix (one MAC), the ones left the rest (one more).
            Assert.Equal(8 + (8 - stopped), counted.ExecutedMacs);
            Assert.Equal(16, counted.DenseMacs);
        }
    }

    /// <summary>
    /// A NaN in a rest channel makes exact SPET's bound infinite: nothing is stopped, and the NaN reaches the output
    /// as in the dense kernel (clip passes NaN through; stopping that output would have given the floor, 0).
    /// </summary>
    [Fact]
    public void A_nan_in_the_rest_is_never_stopped_away()
    {
        var spec = new ConvSpec(1, 2, 1, 1, Activation: Activation.Clip(0f, 6f), SpetPrefix: 0.5f);
        float[] weights = [-2f, 0.5f];
        float[] input = [1f, 1f, 0f, float.NaN];
        var kernel = new ConvKernel(spec, weights, [], SimdPaths.Best);
        float[] spet = ConvRuns.Run(kernel, kernel.Plan(1, 2, 1, 2, effort: 0f), input).Values.ToArray();
        float[] dense = ConvRuns.Run(kernel, kernel.Plan(1, 2, 1, 2, ConvAlgorithm.PaddedTaps), input).Values.ToArray();
        Assert.Equal(0f, spet[0]);
        Assert.True(float.IsNaN(spet[1]), $"got {spet[1]}");
        Assert.Equal(dense, spet);
    }

    [Theory]
    [InlineData(ActivationKind.None, 0.5f, 0f, "saturates")]
    [InlineData(ActivationKind.LeakyRelu, 0.5f, 0f, "saturates")]
    [InlineData(ActivationKind.Relu, 1f, 0f, "spet_prefix")]
    [InlineData(ActivationKind.Relu, -0.1f, 0f, "spet_prefix")]
    [InlineData(ActivationKind.Relu, 0.5f, 0.5f, "not both")]
    public void Bad_settings_are_refused_with_their_name(ActivationKind kind, float prefix, float sdss, string message)
    {
        Activation activation = kind switch
        {
            ActivationKind.Relu => Activation.Relu,
            ActivationKind.LeakyRelu => Activation.LeakyRelu(0.1f),
            _ => Activation.None,
        };
        var spec = new ConvSpec(4, 4, 3, 3, Activation: activation, SpetPrefix: prefix, SdssDelta: sdss);
        Assert.Contains(message, Assert.Throws<ArgumentException>(spec.Validate).Message);
    }

    [Fact]
    public void Spet_is_refused_where_it_does_not_apply()
    {
        var strided = new ConvSpec(8, 4, 3, 3, StrideHeight: 2, StrideWidth: 2, Activation: Activation.Relu, SpetPrefix: 0.5f);
        var kernel = new ConvKernel(strided, new float[strided.WeightCount], [], SimdPaths.Best);
        Assert.NotEqual(ConvAlgorithm.Spet, kernel.Plan(1, 4, 9, 9, effort: 1f).Algorithm);
        Assert.Contains("SPET", Assert.Throws<ArgumentException>(() => kernel.Plan(1, 4, 9, 9, ConvAlgorithm.Spet)).Message);
    }
}
