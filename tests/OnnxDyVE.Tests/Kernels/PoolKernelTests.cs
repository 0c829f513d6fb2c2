using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Pool;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Max and average pooling over blocked maps on every vector path against a plain loop over planar maps: seeded shapes
/// with channels ending mid-block, pads on every side, strides larger and smaller than the kernel, rows wider than the
/// planar output's spill, both output layouts, averages counting the padding and not.
/// </summary>
public sealed unsafe class PoolKernelTests
{
    private const int Block = BlockedTensors.Block;
    private const int ShapeCount = 40;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_a_plain_loop_in_both_output_layouts(SimdPath path, int shape)
    {
        foreach (PoolKind kind in new[] { PoolKind.Max, PoolKind.Average })
            MatchesPlainLoop(path, shape, kind);
    }

    private static void MatchesPlainLoop(SimdPath path, int shape, PoolKind kind)
    {
        var random = new Random(shape);
        int kernelHeight = random.Next(1, 5), kernelWidth = random.Next(1, 5);
        int channels = random.Next(1, 50), batch = random.Next(1, 3);
        // Every fifth shape has rows wider than the planar output's 64-position spill.
        int height = random.Next(kernelHeight, 20), width = random.Next(kernelWidth, shape % 5 == 0 ? 300 : 20);
        foreach (MapLayout layout in new[] { MapLayout.Blocked, MapLayout.Planar })
        {
            var spec = new PoolSpec(channels, kernelHeight, kernelWidth, random.Next(1, 4), random.Next(1, 4),
                random.Next(kernelHeight), random.Next(kernelWidth), random.Next(kernelHeight), random.Next(kernelWidth), layout,
                kind, CountIncludePad: kind == PoolKind.Average && random.Next(2) == 1);
            string context = $"shape {shape} on {path}: batch {batch}, {channels} x {height} x {width}, {spec}";
            float[] planar = LayerParameters.Uniform(random, batch * channels * height * width);
            // Negative values everywhere in some maps: padding must not win as 0.
            for (int i = 0; i < planar.Length; i++) planar[i] -= i % 3 == 0 ? 2f : 0f;
            var kernel = new PoolKernel(spec, path);
            PoolWork work = kernel.Plan(batch, height, width);
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
                        // A maximum is one of the values, exactly; a sum's order differs from the loop's (vector lanes are
                        // channels, so only through the window's order): within a few ulps of the window's magnitude.
                        bool close = kind == PoolKind.Max ? actual == want : Math.Abs(actual - want) <= 1e-6f * (1 + Math.Abs(want));
                        Assert.True(close, $"{context}: image {n}, channel {c}, position {p}: {actual}, expected {want}");
                    }
        }
    }

    [Fact]
    public void Bad_pools_are_refused_naming_the_attribute()
    {
        Assert.Contains("pads", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(16, 2, 2, PadTop: 2), SimdPath.Scalar)).Message);
        Assert.Contains("kernel_shape", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(16, 0, 2), SimdPath.Scalar)).Message);
        Assert.Contains("strides", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(16, 2, 2, StrideWidth: 0), SimdPath.Scalar)).Message);
        Assert.Contains("channels", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(0, 2, 2), SimdPath.Scalar)).Message);
        Assert.Contains("count_include_pad", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(16, 2, 2, CountIncludePad: true), SimdPath.Scalar)).Message);
        Assert.Contains("kind", Assert.Throws<ArgumentException>(() => new PoolKernel(new PoolSpec(16, 2, 2, Kind: (PoolKind)7), SimdPath.Scalar)).Message);
        var kernel = new PoolKernel(new PoolSpec(16, 3, 3, Kind: PoolKind.Average), SimdPath.Scalar);
        Assert.Contains("smaller than the kernel", Assert.Throws<ArgumentException>(() => kernel.Plan(1, 2, 5)).Message);
    }

    /// <summary>
    /// ONNX MaxPool and AveragePool, floor rounding: the largest value of each window, padding left out, or the window's
    /// sum over the positions it counts (the padding's too with count_include_pad), accumulated in double.
    /// </summary>
    private static float[] Reference(PoolSpec spec, float[] input, int batch, int height, int width, out int outHeight, out int outWidth)
    {
        outHeight = (height + spec.PadTop + spec.PadBottom - spec.KernelHeight) / spec.StrideHeight + 1;
        outWidth = (width + spec.PadLeft + spec.PadRight - spec.KernelWidth) / spec.StrideWidth + 1;
        var output = new float[batch * spec.Channels * outHeight * outWidth];
        for (int map = 0; map < batch * spec.Channels; map++)
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    float best = float.NegativeInfinity;
                    double sum = 0;
                    int inside = 0;
                    for (int ky = 0; ky < spec.KernelHeight; ky++)
                        for (int kx = 0; kx < spec.KernelWidth; kx++)
                        {
                            int y = oy * spec.StrideHeight - spec.PadTop + ky, x = ox * spec.StrideWidth - spec.PadLeft + kx;
                            if (y < 0 || y >= height || x < 0 || x >= width) continue;
                            float value = input[(map * height + y) * width + x];
                            best = Math.Max(best, value);
                            sum += value;
                            inside++;
                        }
                    int counted = spec.CountIncludePad ? spec.KernelHeight * spec.KernelWidth : inside;
                    output[(map * outHeight + oy) * outWidth + ox] = spec.Kind == PoolKind.Max ? best : (float)(sum / counted);
                }
        return output;
    }
}
