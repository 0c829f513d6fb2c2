using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>ConvKernel on every vector path against the scalar reference, task by task on one thread.</summary>
public sealed unsafe class ConvKernelTests
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
        ConvLayer layer = RandomLayers.ConvForKernel(shape);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        float[] input = LayerParameters.Uniform(new Random(10_000 + shape), LayerParameters.Count(layer.InputShape()));
        string context = $"shape {shape} on {path}: {layer}";

        var kernel = new ConvKernel(KernelSpecs.ToConvSpec(layer), parameters.Weights, parameters.Bias ?? [], path);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
        ScalarReference.ConvGeometry expectedGeometry = ScalarReference.Geometry(layer);
        Assert.Equal((expectedGeometry.OutputHeight, expectedGeometry.OutputWidth),
            (work.Geometry.OutputHeight, work.Geometry.OutputWidth));

        var output = new GuardedOutput(layer.Batch * layer.OutputChannels * work.Geometry.OutputSize);
        fixed (float* x = input)
        fixed (float* y = output)
        {
            // Both phases in order, as a host does: packing (when the plan shares im2col blocks), then compute.
            float* shared = kernel.RentRunScratch(work);
            for (int task = 0; task < work.PackTaskCount; task++) kernel.RunPackTask(work, x, shared, task);
            for (int task = 0; task < work.TaskCount; task++) kernel.RunTask(work, x, y, shared, task);
        }

        output.AssertGuardsIntact(context);
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        OutputComparison.AssertClose(expected, output.Values, context);
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
    }
}
