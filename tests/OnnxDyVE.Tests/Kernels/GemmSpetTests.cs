using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// SPET in GemmKernel, on every vector path, task by task on one thread. At effort 0 (exact SPET) every output is the
/// dense product's within <see cref="OutputComparison"/>'s tolerance (1e-4 x the largest output; survivors differ
/// from the dense sum only in summation order). At t &gt; 0 each output is checked against <see cref="SpetReference"/>:
/// an output whose tested value lies below the saturation value by more than 1e-5 x its rounding scale (sum of
/// |w x| + |beta C|) must be saturated, one above it by as much must be the dense output; between, either.
/// </summary>
public sealed class GemmSpetTests
{
    private const int ShapeCount = 120;
    private const double DecisionTolerance = 1e-5;

    private static readonly float[] Prefixes = [0.1f, 0.25f, 0.5f, 0.9f];

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    /// <summary>
    /// Hand-built: K = 4 in order k0..k3 (significance 10, 5, 3.5, 2), prefix 2 of 4, one row of ones. Output 0 (partial
    /// 6) is alive; output 1 (partial -2, remaining positive weight 0.5) is dead, as the dense product (-2.5) says;
    /// output 2 (partial -1, remaining positive weight 1.5) may still reach 0.5, so exact SPET computes it (dense -0.5).
    /// </summary>
    private static readonly float[] HandWeights =
    [
        4f, -4f, -2f,
        2f, 2f, 1f,
        1f, -1f, 1.5f,
        0.5f, 0.5f, -1f,
    ];

    [Fact]
    public void Exact_spet_stops_only_the_output_that_cannot_become_positive_and_counts_its_work()
    {
        var kernel = HandKernel(delta: 0f);
        float[] y = RunHand(kernel, [1f, 1f, 1f, 1f], effort: 0f);

        Assert.Equal([7.5f, 0f, 0f], y);
        // Prefix 2 k x 3 outputs, rest 2 k x 2 alive; overhead: the row's min and max over 4 inputs, 10 per output tested.
        Assert.Equal(new CounterValues(0, 2 * 3 + 2 * 2, 4 * 3, OverheadOps: 2 * 4 + 10 * 3, Outputs: 3), kernel.Counters.Read());
    }

    [Fact]
    public void A_larger_input_range_keeps_an_output_alive()
    {
        // Row range [0, 4]: output 1's rest could add 4 x 0.5 = 2 to its partial -2, so it is computed (dense -4 + 2 - 4 + 2 = -4).
        var kernel = HandKernel(delta: 0f);
        float[] y = RunHand(kernel, [1f, 1f, 4f, 4f], effort: 0f);

        Assert.Equal([12f, 0f, 1f], y);
        Assert.Equal(2 * 3 + 2 * 3, kernel.Counters.Read().ExecutedMacs);
    }

    [Fact]
    public void At_t_1_an_output_stops_when_its_partial_sum_is_below_saturation()
    {
        // t = 1: output 2 (partial -1) stops too, though its rest could have lifted it.
        var kernel = HandKernel(delta: 1f);
        float[] y = RunHand(kernel, [1f, 1f, 1f, 1f], effort: 1f);

        Assert.Equal([7.5f, 0f, 0f], y);
        Assert.Equal(2 * 3 + 2 * 1, kernel.Counters.Read().ExecutedMacs);
    }

    [Theory]
    [InlineData(1f, 7.5f, 1)]
    [InlineData(10f, 0f, 0)]
    public void At_t_2_an_output_stops_unless_its_partial_sum_clears_one_activation_scale(float scale, float first, int alive)
    {
        // Output 0's partial sum is 6: above 1 x scale 1, below 1 x scale 10.
        var kernel = HandKernel(delta: 2f, scale);
        float[] y = RunHand(kernel, [1f, 1f, 1f, 1f], effort: 1f);

        Assert.Equal([first, 0f, 0f], y);
        Assert.Equal(2 * 3 + 2 * alive, kernel.Counters.Read().ExecutedMacs);
    }

    [Fact]
    public void Clip_saturates_at_its_minimum()
    {
        var spec = new GemmSpec(4, 3, Activation: Activation.Clip(-1f, 5f), SpetPrefix: 0.5f);
        var kernel = new GemmKernel(spec, HandWeights, SimdPaths.Best);
        // Pre-activations 7.5, -2.5, -0.5: output 1 is below -1 even with its rest (-2 + 0.5), output 2 is not.
        Assert.Equal([5f, -1f, -0.5f], RunHand(kernel, [1f, 1f, 1f, 1f], effort: 0f));
        Assert.Equal(2 * 3 + 2 * 2, kernel.Counters.Read().ExecutedMacs);
    }

    [Theory]
    [InlineData(ActivationKind.None)]
    [InlineData(ActivationKind.LeakyRelu)]
    public void Spet_without_a_saturating_activation_is_refused(ActivationKind kind)
    {
        Activation activation = kind == ActivationKind.None ? Activation.None : Activation.LeakyRelu(0.1f);
        var error = Assert.Throws<ArgumentException>(() => new GemmKernel(new GemmSpec(4, 3, Activation: activation, SpetPrefix: 0.5f), HandWeights, SimdPaths.Best));
        Assert.Contains("spet_prefix", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The exact test's tightest case: every remaining weight positive and every input near the row's maximum, so the
    /// bound is close to the rest itself, and C the least float that makes the dense pre-activation positive. One
    /// output per kernel, so its executed MACs say whether SPET stopped it (K: computed; the prefix alone: stopped).
    /// </summary>
    [Fact]
    public void Exact_spet_never_stops_an_output_the_dense_product_makes_positive()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            int k = random.Next(2, 1200);
            float[] b = new float[k];
            for (int i = 0; i < b.Length; i++) b[i] = random.NextSingle();
            float[] a = new float[k];
            for (int i = 0; i < k; i++) a[i] = 1f - random.NextSingle() * (i % 5 == 0 ? 0.5f : 0.001f);
            var spec = new GemmSpec(k, 1, Activation: Activation.Relu, SpetPrefix: random.Next(1, 10) * 0.1f);
            var dense = new GemmKernel(spec with { SpetPrefix = 0 }, b, SimdPaths.Best);
            float sum = RunRow(new GemmKernel(spec with { SpetPrefix = 0, Activation = Activation.None }, b, SimdPaths.Best), a, null, 0f)[0];
            float c = -sum;
            while (RunRow(dense, a, [c], 0f)[0] <= 0) c = MathF.BitIncrement(c);

            var spet = new GemmKernel(spec, b, SimdPaths.Best);
            RunRow(spet, a, [c], 0f);

            Assert.True(spet.Counters.Read().ExecutedMacs == k, $"trial {trial}: K {k}, prefix {spec.SpetPrefix}: stopped, dense {RunRow(dense, a, [c], 0f)[0]:G9}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exact_spet_matches_the_scalar_reference(SimdPath path, int shape)
    {
        (GemmLayer layer, LayerParameters parameters, float[] a, float prefix) = Case(shape);
        string context = $"shape {shape} on {path}, prefix {prefix}: {layer}";
        var kernel = new GemmKernel(Spec(layer, prefix), parameters.Weights, path);

        float[] actual = GemmRuns.Run(kernel, layer, a, parameters.Bias, context);

        OutputComparison.AssertClose(ScalarReference.Gemm(layer, a, parameters.Weights, parameters.Bias), actual, context);
        Assert.Equal((long)layer.M * layer.K * layer.N, kernel.Counters.Read().DenseMacs);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predictive_spet_decides_as_the_reference_does(SimdPath path, int shape)
    {
        (GemmLayer layer, LayerParameters parameters, float[] a, float prefix) = Case(shape);
        var random = new Random(40_000 + shape);
        float delta = random.Next(1, 5) * 0.5f, effort = random.Next(1, 5) * 0.25f, scale = random.Next(1, 4) * 0.5f;
        string context = $"shape {shape} on {path}, prefix {prefix}, delta {delta}, effort {effort}, scale {scale}: {layer}";
        var kernel = new GemmKernel(Spec(layer, prefix) with { SpetDelta = delta, ActivationScale = scale }, parameters.Weights, path);

        float[] actual = GemmRuns.Run(kernel, layer, a, parameters.Bias, context, effort);

        double[] dense = ScalarReference.Gemm(layer, a, parameters.Weights, parameters.Bias);
        (double[] values, double[] scales) = GemmSpetReference.Test(layer, a, parameters.Weights, parameters.Bias, prefix, effort * delta, scale);
        float saturation = layer.Activation.Kind == LayerActivationKind.Clip ? layer.Activation.Min : 0f;
        double outputTolerance = OutputComparison.RelativeTolerance * Math.Max(1, dense.Max(Math.Abs));
        for (int i = 0; i < actual.Length; i++)
        {
            double margin = DecisionTolerance * scales[i];
            if (values[i] < saturation - margin)
                Assert.True(actual[i] == saturation, $"{context}: output {i} tests {values[i]:G6}, below {saturation}, but is {actual[i]:G9}");
            else if (values[i] > saturation + margin)
                Assert.True(Math.Abs(actual[i] - dense[i]) <= outputTolerance, $"{context}: output {i} tests {values[i]:G6}, alive, but is {actual[i]:G9}, dense {dense[i]:G9}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void More_effort_never_executes_more_macs(SimdPath path, int shape)
    {
        if (shape % 4 != 0) return; // A quarter of the shapes on each path: five runs each.
        (GemmLayer layer, LayerParameters parameters, float[] a, float prefix) = Case(shape);
        long previous = long.MaxValue;
        foreach (float effort in new[] { 0f, 0.25f, 0.5f, 0.75f, 1f })
        {
            var kernel = new GemmKernel(Spec(layer, prefix) with { SpetDelta = 2f }, parameters.Weights, path);
            GemmRuns.Run(kernel, layer, a, parameters.Bias, $"shape {shape} on {path} at effort {effort}", effort);
            long executed = kernel.Counters.Read().ExecutedMacs;
            Assert.True(executed <= previous, $"shape {shape} on {path}: effort {effort} executed {executed} MACs, less effort {previous}");
            previous = executed;
        }
    }

    [Fact]
    public void Exact_spet_skips_work_on_the_test_shapes()
    {
        long executed = 0, dense = 0;
        for (int shape = 0; shape < ShapeCount; shape++)
        {
            (GemmLayer layer, LayerParameters parameters, float[] a, float prefix) = Case(shape);
            var kernel = new GemmKernel(Spec(layer, prefix), parameters.Weights, SimdPaths.Best);
            GemmRuns.Run(kernel, layer, a, parameters.Bias, $"shape {shape}");
            executed += kernel.Counters.Read().ExecutedMacs;
            dense += kernel.Counters.Read().DenseMacs;
        }
        Assert.True(executed < dense * 0.9, $"executed {executed} of {dense} MACs");
    }

    [Fact]
    public void Shapes_cover_spet_edges()
    {
        var cases = Enumerable.Range(0, ShapeCount).Select(Case).ToList();
        Assert.Contains(cases, c => c.Layer.M == 1);
        Assert.Contains(cases, c => c.Layer.M is > 1 and <= GemmKernel.SkipZeroInputsMaxRows);
        Assert.Contains(cases, c => c.Layer.M > 96);
        Assert.Contains(cases, c => (int)(c.Prefix * (double)c.Layer.K) == 0);
        Assert.Contains(cases, c => c.Layer.Activation.Kind == LayerActivationKind.Clip);
        Assert.Contains(cases, c => c.Layer.N > 256);
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            Assert.Contains(cases, c => c.Layer.TransA == transA && c.Layer.TransB == transB);
        foreach (GemmBiasShape bias in Enum.GetValues<GemmBiasShape>())
            Assert.Contains(cases, c => c.Layer.Bias == bias);
        Assert.Contains(cases, c => c.Layer.Alpha < 0);
    }

    /// <summary>
    /// The kernel tests' random Gemm with a saturating activation; every other shape has inputs shaped like a ReLU's
    /// output (60% zeros, every third k zero in every row), and a third of the outputs have negative weights, so that
    /// exact SPET has outputs to stop.
    /// </summary>
    private static (GemmLayer Layer, LayerParameters Parameters, float[] A, float Prefix) Case(int shape)
    {
        GemmLayer layer = RandomLayers.GemmForKernel(shape);
        var random = new Random(50_000 + shape);
        layer = layer with { Activation = random.Next(2) == 0 ? LayerActivation.Relu : LayerActivation.Clip(-0.5f, 2f) };
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed: shape);
        for (int p = 0; p < layer.K; p++)
            for (int j = 0; j < layer.N; j += 3)
            {
                ref float w = ref parameters.Weights[layer.TransB ? j * layer.K + p : p * layer.N + j];
                w = 0.5f * w - 0.5f;
            }
        float[] a = LayerParameters.Uniform(random, layer.M * layer.K);
        if (shape % 2 == 1)
        {
            for (int i = 0; i < a.Length; i++) a[i] = a[i] < 0.2f ? 0f : a[i];
            for (int p = 0; p < layer.K; p += 3)
                for (int m = 0; m < layer.M; m++)
                    a[layer.TransA ? p * layer.M + m : m * layer.K + p] = 0f;
        }
        return (layer, parameters, a, Prefixes[shape / 2 % Prefixes.Length]);
    }

    private static GemmSpec Spec(GemmLayer layer, float prefix) =>
        KernelSpecs.ToGemmSpec(layer) with { SkipZeroInputs = true, SpetPrefix = prefix };

    private static GemmKernel HandKernel(float delta, float scale = 1f) =>
        new(new GemmSpec(4, 3, Activation: Activation.Relu, SkipZeroInputs: true, SpetPrefix: 0.5f, SpetDelta: delta, ActivationScale: scale),
            HandWeights, SimdPaths.Best);

    private static float[] RunHand(GemmKernel kernel, float[] a, float effort) => RunRow(kernel, a, null, effort);

    /// <summary>One row of A; C, when given, one value per output.</summary>
    private static float[] RunRow(GemmKernel kernel, float[] a, float[]? c, float effort)
    {
        var layer = new GemmLayer(1, kernel.Spec.K, kernel.Spec.N) { Bias = c is null ? GemmBiasShape.None : GemmBiasShape.Row };
        return GemmRuns.Run(kernel, layer, a, c, "one row", effort);
    }
}
