using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>GemmKernel on every vector path against the scalar reference, task by task on one thread.</summary>
public sealed unsafe class GemmKernelTests
{
    private const int ShapeCount = 120;

    public static TheoryData<SimdPath, int> Cases()
    {
        var cases = new TheoryData<SimdPath, int>();
        foreach (SimdPath path in KernelSpecs.AvailablePaths())
            for (int shape = 0; shape < ShapeCount; shape++)
                cases.Add(path, shape);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference(SimdPath path, int shape)
    {
        GemmLayer layer = RandomLayers.GemmForKernel(shape);
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed: shape);
        float[] a = LayerParameters.Uniform(new Random(20_000 + shape), layer.M * layer.K);
        string context = $"shape {shape} on {path}: {layer}";

        var kernel = new GemmKernel(KernelSpecs.ToGemmSpec(layer), parameters.Weights, path);
        GemmWork work = kernel.Plan(layer.M);
        long[]? cShape = layer.CShape();
        GemmBias bias = cShape is null ? default : GemmBias.For(cShape, layer.M, layer.N);

        var output = new GuardedOutput(layer.M * layer.N);
        fixed (float* x = a)
        fixed (float* c = parameters.Bias)
        fixed (float* y = output)
        {
            for (int task = 0; task < work.TaskCount; task++) kernel.RunTask(work, x, c, bias, y, task);
        }

        output.AssertGuardsIntact(context);
        double[] expected = ScalarReference.Gemm(layer, a, parameters.Weights, parameters.Bias);
        OutputComparison.AssertClose(expected, output.Values, context);
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
