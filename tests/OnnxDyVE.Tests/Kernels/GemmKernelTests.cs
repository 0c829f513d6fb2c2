using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>GemmKernel on every vector path against the scalar reference, task by task on one thread.</summary>
public sealed class GemmKernelTests
{
    private const int ShapeCount = 120;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference(SimdPath path, int shape)
    {
        GemmLayer layer = RandomLayers.GemmForKernel(shape);
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed: shape);
        float[] a = LayerParameters.Uniform(new Random(20_000 + shape), layer.M * layer.K);
        string context = $"shape {shape} on {path}: {layer}";

        var kernel = new GemmKernel(KernelSpecs.ToGemmSpec(layer), parameters.Weights, path);
        float[] actual = GemmRuns.Run(kernel, layer, a, parameters.Bias, context);

        double[] expected = ScalarReference.Gemm(layer, a, parameters.Weights, parameters.Bias);
        OutputComparison.AssertClose(expected, actual, context);
    }

    /// <summary>
    /// Zero-input skipping on inputs shaped like a ReLU's output (about 60% zeros, some k zero in every row):
    /// bit-identical to the dense kernel, within tolerance of the scalar reference, and counted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Skipping_zero_inputs_is_exact(SimdPath path, int shape)
    {
        GemmLayer layer = RandomLayers.GemmForKernel(shape);
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed: shape);
        var random = new Random(30_000 + shape);
        float[] a = LayerParameters.Uniform(random, layer.M * layer.K);
        for (int i = 0; i < a.Length; i++)
            if (a[i] < 0.2f) a[i] = 0f;
        // Whole k zero in every row: what the skipping can actually leave out.
        for (int k = 0; k < layer.K; k += 3)
            for (int m = 0; m < layer.M; m++)
                a[layer.TransA ? k * layer.M + m : m * layer.K + k] = 0f;
        string context = $"shape {shape} on {path}: {layer}";
        GemmSpec dense = KernelSpecs.ToGemmSpec(layer);
        var skipping = new GemmKernel(dense with { SkipZeroInputs = true }, parameters.Weights, path);

        float[] expected = GemmRuns.Run(new GemmKernel(dense, parameters.Weights, path), layer, a, parameters.Bias, context);
        float[] actual = GemmRuns.Run(skipping, layer, a, parameters.Bias, context);

        Assert.Equal(expected, actual);
        OutputComparison.AssertClose(ScalarReference.Gemm(layer, a, parameters.Weights, parameters.Bias), actual, context);
        if (layer.M <= GemmKernel.SkipZeroInputsMaxRows)
            Assert.True(skipping.Counters.Read().ExecutedMacs < skipping.Counters.Read().DenseMacs, $"{context}: {skipping.Counters.Read()}");
        else
            Assert.Equal(skipping.Counters.Read().DenseMacs, skipping.Counters.Read().ExecutedMacs);
        Assert.Equal((long)layer.M * layer.K * layer.N, skipping.Counters.Read().DenseMacs);
    }

    [Fact]
    public void An_all_zero_input_leaves_bias_and_activation()
    {
        var layer = new GemmLayer(1, 40, 50) { Bias = GemmBiasShape.Row, Beta = 0.5f, Activation = LayerActivation.Relu };
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed: 9);
        var kernel = new GemmKernel(KernelSpecs.ToGemmSpec(layer) with { SkipZeroInputs = true }, parameters.Weights, SimdPaths.Best);
        float[] actual = GemmRuns.Run(kernel, layer, new float[40], parameters.Bias, "all zero");
        Assert.Equal(parameters.Bias!.Select(b => Math.Max(0f, 0.5f * b)), actual);
        Assert.Equal(new CounterValues(0, 0, 40L * 50, Outputs: 50), kernel.Counters.Read());
    }

    [Fact]
    public void Shapes_cover_the_kernel_edges()
    {
        var layers = Enumerable.Range(0, ShapeCount).Select(RandomLayers.GemmForKernel).ToList();
        var works = layers.Select(layer =>
        {
            var kernel = new GemmKernel(KernelSpecs.ToGemmSpec(layer), LayerParameters.ForGemm(layer, 0).Weights, SimdPaths.Best);
            return (layer, work: kernel.Plan(layer.M));
        }).ToList();

        Assert.Contains(works, w => w.layer.K > 128);
        Assert.Contains(works, w => w.layer.K < 128);
        Assert.Contains(works, w => w.work.RowChunks > 1);
        Assert.Contains(works, w => w.work.ColumnChunks > 1);
        Assert.Contains(works, w => w.layer.M % 6 != 0);
        Assert.Contains(works, w => w.layer.N % 32 != 0);
        foreach (GemmBiasShape bias in Enum.GetValues<GemmBiasShape>())
            Assert.Contains(works, w => w.layer.Bias == bias);
        Assert.Contains(works, w => w.layer.TransA && w.layer.TransB);
    }
}
