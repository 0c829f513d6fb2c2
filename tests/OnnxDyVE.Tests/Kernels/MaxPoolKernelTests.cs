using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Pool;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Max pooling over blocked maps on every vector path against a plain loop over planar maps: seeded shapes with
/// channels ending mid-block, pads on every side, strides larger and smaller than the kernel, rows wider than the planar
/// output's spill, both output layouts.
/// </summary>
public sealed unsafe class MaxPoolKernelTests
{
    private const int Block = BlockedTensors.Block;
    private const int ShapeCount = 40;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_a_plain_loop_in_both_output_layouts(SimdPath path, int shape)
    {
        var random = new Random(shape);
        int kernelHeight = random.Next(1, 5), kernelWidth = random.Next(1, 5);
        int channels = random.Next(1, 50), batch = random.Next(1, 3);
        // Every fifth shape has rows wider than the planar output's 64-position spill.
        int height = random.Next(kernelHeight, 20), width = random.Next(kernelWidth, shape % 5 == 0 ? 300 : 20);
        foreach (MapLayout layout in new[] { MapLayout.Blocked, MapLayout.Planar })
        {
            var spec = new MaxPoolSpec(channels, kernelHeight, kernelWidth, random.Next(1, 4), random.Next(1, 4),
                random.Next(kernelHeight), random.Next(kernelWidth), random.Next(kernelHeight), random.Next(kernelWidth), layout);
            string context = $"shape {shape} on {path}: batch {batch}, {channels} x {height} x {width}, {spec}";
            float[] planar = LayerParameters.Uniform(random, batch * channels * height * width);
            // Negative values everywhere in some maps: padding must not win as 0.
            for (int i = 0; i < planar.Length; i++) planar[i] -= i % 3 == 0 ? 2f : 0f;
            var kernel = new MaxPoolKernel(spec, path);
            MaxPoolWork work = kernel.Plan(batch, height, width);
            float[] expected = Reference(spec, planar, batch, height, width, out int outHeight, out int outWidth);
            Assert.Equal((outHeight, outWidth), (work.OutputHeight, work.OutputWidth));

            int outMap = outHeight * outWidth, blocks = BlockedTensors.Blocks(channels);
            var output = new GuardedOutput(batch * (layout == MapLayout.Blocked ? blocks * Block : channels) * outMap);
            fixed (float* x = BlockedTensors.FromPlanar(planar, batch, channels, height * width, padding: 0f))
            fixed (float* y = output)
                for (int task = 0; task < work.TaskCount; task++) kernel.RunTask(work, x, y, task);
            output.AssertGuardsIntact(context);
            float[] values = output.Values.ToArray();
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < (layout == MapLayout.Blocked ? blocks * Block : channels); c++)
                    for (int p = 0; p < outMap; p++)
                    {
                        float actual = layout == MapLayout.Blocked ? values[BlockedTensors.Index(n, c, p, channels, outMap)] : values[(n * channels + c) * outMap + p];
                        float want = c < channels ? expected[(n * channels + c) * outMap + p] : 0f;
                        Assert.True(actual == want, $"{context}: image {n}, channel {c}, position {p}: {actual}, expected {want}");
                    }
        }
    }

    [Fact]
    public void Bad_pools_are_refused_naming_the_attribute()
    {
        Assert.Contains("pads", Assert.Throws<ArgumentException>(() => new MaxPoolKernel(new MaxPoolSpec(16, 2, 2, PadTop: 2), SimdPath.Scalar)).Message);
        Assert.Contains("kernel_shape", Assert.Throws<ArgumentException>(() => new MaxPoolKernel(new MaxPoolSpec(16, 0, 2), SimdPath.Scalar)).Message);
        Assert.Contains("strides", Assert.Throws<ArgumentException>(() => new MaxPoolKernel(new MaxPoolSpec(16, 2, 2, StrideWidth: 0), SimdPath.Scalar)).Message);
        Assert.Contains("channels", Assert.Throws<ArgumentException>(() => new MaxPoolKernel(new MaxPoolSpec(0, 2, 2), SimdPath.Scalar)).Message);
        var kernel = new MaxPoolKernel(new MaxPoolSpec(16, 3, 3), SimdPath.Scalar);
        Assert.Contains("smaller than the kernel", Assert.Throws<ArgumentException>(() => kernel.Plan(1, 2, 5)).Message);
    }

    /// <summary>ONNX MaxPool, floor rounding: the largest value of each window, padding left out.</summary>
    private static float[] Reference(MaxPoolSpec spec, float[] input, int batch, int height, int width, out int outHeight, out int outWidth)
    {
        outHeight = (height + spec.PadTop + spec.PadBottom - spec.KernelHeight) / spec.StrideHeight + 1;
        outWidth = (width + spec.PadLeft + spec.PadRight - spec.KernelWidth) / spec.StrideWidth + 1;
        var output = new float[batch * spec.Channels * outHeight * outWidth];
        for (int map = 0; map < batch * spec.Channels; map++)
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    float best = float.NegativeInfinity;
                    for (int ky = 0; ky < spec.KernelHeight; ky++)
                        for (int kx = 0; kx < spec.KernelWidth; kx++)
                        {
                            int y = oy * spec.StrideHeight - spec.PadTop + ky, x = ox * spec.StrideWidth - spec.PadLeft + kx;
                            if (y >= 0 && y < height && x >= 0 && x < width) best = Math.Max(best, input[(map * height + y) * width + x]);
                        }
                    output[(map * outHeight + oy) * outWidth + ox] = best;
                }
        return output;
    }
}
