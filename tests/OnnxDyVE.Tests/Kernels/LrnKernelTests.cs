using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Lrn;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Local response normalization within channels (<see cref="LrnKernel"/>) on every vector path against a plain loop in
/// double precision: seeded shapes with windows larger than the map, rows that end mid-vector, channels ending mid-block,
/// both layouts, negative and positive values, beta 0.75 (square roots) and others (logarithms); and the attributes it refuses.
/// </summary>
public sealed unsafe class LrnKernelTests
{
    private const int Block = BlockedTensors.Block;
    private const int ShapeCount = 30;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_a_plain_loop_in_both_layouts(SimdPath path, int shape)
    {
        var random = new Random(700 + shape);
        int size = 2 * random.Next(0, 4) + 1, channels = random.Next(1, 40), batch = random.Next(1, 3);
        // Some maps narrower or lower than the window; some rows longer than a vector and ending mid-vector.
        int height = random.Next(1, 12), width = random.Next(1, shape % 4 == 0 ? 70 : 12);
        // Every third shape takes beta 0.75, which the kernel raises by square roots.
        float alpha = (float)(random.NextDouble() * 2), beta = shape % 3 == 0 ? 0.75f : (float)(0.25 + random.NextDouble()), bias = 1f + (float)random.NextDouble();
        float[] planar = LayerParameters.Uniform(random, batch * channels * height * width);
        for (int i = 0; i < planar.Length; i++) planar[i] = 4 * planar[i] - (i % 3 == 0 ? 2f : 0f);
        float[] expected = Reference(planar, batch * channels, height, width, size, alpha, beta, bias);
        int map = height * width, blocks = BlockedTensors.Blocks(channels);
        foreach (MapLayout layout in new[] { MapLayout.Planar, MapLayout.Blocked })
        {
            var spec = new LrnSpec(size, alpha, beta, bias, layout);
            string context = $"shape {shape} on {path}: batch {batch}, {channels} x {height} x {width}, {spec}";
            var kernel = new LrnKernel(spec, path);
            bool blocked = layout == MapLayout.Blocked;
            LrnWork work = kernel.Plan(batch * (blocked ? blocks : channels), height, width);
            float[] input = blocked ? BlockedTensors.FromPlanar(planar, batch, channels, map, padding: 0f) : planar;
            var output = new GuardedOutput(input.Length);
            fixed (float* x = input)
            fixed (float* y = output)
                for (int task = 0; task < work.TaskCount; task++) kernel.RunTask(work, x, y, task);
            output.AssertGuardsIntact(context);
            float[] values = output.Values.ToArray();
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < (blocked ? blocks * Block : channels); c++)
                    for (int p = 0; p < map; p++)
                    {
                        float actual = blocked ? values[BlockedTensors.Index(n, c, p, channels, map)] : values[(n * channels + c) * map + p];
                        // The padded lanes of a blocked map are zeros, and stay zeros.
                        float want = c < channels ? expected[(n * channels + c) * map + p] : 0f;
                        Assert.True(Math.Abs(actual - want) <= 2e-6f * (1 + Math.Abs(want)), $"{context}: image {n}, channel {c}, position {p}: {actual}, expected {want}");
                    }
        }
    }

    [Fact]
    public void Bad_attributes_are_refused_naming_them()
    {
        Assert.Contains("size", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(2, 1, 0.75f, 1), SimdPath.Scalar)).Message);
        Assert.Contains("size", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(LrnSpec.MaximumSize + 2, 1, 0.75f, 1), SimdPath.Scalar)).Message);
        Assert.Contains("alpha", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(3, float.NaN, 0.75f, 1), SimdPath.Scalar)).Message);
        Assert.Contains("beta", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(3, 1, float.PositiveInfinity, 1), SimdPath.Scalar)).Message);
        Assert.Contains("bias", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(3, 1, 0.75f, float.NaN), SimdPath.Scalar)).Message);
        Assert.Contains("layout", Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(3, 1, 0.75f, 1, (MapLayout)9), SimdPath.Scalar)).Message);
        var kernel = new LrnKernel(new LrnSpec(3, 1, 0.75f, 1), SimdPath.Scalar);
        Assert.Throws<ArgumentException>(() => kernel.Plan(0, 4, 4));
        Assert.Throws<ArgumentException>(() => kernel.Plan(1, 4, 0));
        // A row too long for its scratch is refused at planning, not allocated.
        Assert.Throws<ArgumentException>(() => new LrnKernel(new LrnSpec(61, 1, 0.75f, 1, MapLayout.Blocked), SimdPath.Scalar).Plan(1, 1, int.MaxValue / 64));
    }

    /// <summary>y = x (bias + alpha / size^2 * sum of x^2 over the window, zeros outside the map)^-beta, in double.</summary>
    private static float[] Reference(float[] x, int planes, int height, int width, int size, float alpha, float beta, float bias)
    {
        var y = new float[x.Length];
        int radius = size / 2;
        for (int plane = 0; plane < planes; plane++)
            for (int r = 0; r < height; r++)
                for (int c = 0; c < width; c++)
                {
                    double sum = 0;
                    for (int dr = -radius; dr <= radius; dr++)
                        for (int dc = -radius; dc <= radius; dc++)
                        {
                            int rr = r + dr, cc = c + dc;
                            if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
                            double v = x[(plane * height + rr) * width + cc];
                            sum += v * v;
                        }
                    int i = (plane * height + r) * width + c;
                    y[i] = (float)(x[i] * Math.Pow(bias + alpha * sum / (size * size), -beta));
                }
        return y;
    }
}
