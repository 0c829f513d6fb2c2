using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Pruned weights (<see cref="SparseWeights"/>) on the sparse kernel (<see cref="ConvAlgorithm.SparseTaps"/>): every layout in
/// and out on every vector path against the scalar reference, only nonzero weights counted as multiplied; and where it does
/// not apply.
/// </summary>
public sealed class SparseTapsTests
{
    /// <summary>
    /// SqueezeNet's pruned 3 x 3 expands (fire2: 55 wide, rows of 64 in the copy; fire9: 13 wide) and the edges around them:
    /// channels ending mid-block in and out with a clip above zero (padded lanes must stay zero), asymmetric pads with none
    /// on the left (copies shifted past the row's start), a 5 x 5 kernel with LeakyReLU and no bias, dilation, a 1 x 3
    /// kernel, an output one column wide, two images, copies shifted past every column of the input.
    /// </summary>
    private static readonly ConvLayer[] Layers =
    [
        new(1, 16, 55, 55, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 64, 13, 13, 256, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 21, 9, 11, 37, 3, 3) { PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1, HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) },
        new(1, 40, 7, 20, 48, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, Activation = LayerActivation.LeakyRelu(0.1f) },
        new(1, 24, 12, 12, 32, 3, 3) { DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true },
        new(1, 33, 6, 40, 20, 1, 3) { PadLeft = 1, PadRight = 1, HasBias = true },
        new(1, 8, 17, 3, 16, 3, 3) { HasBias = true, Activation = LayerActivation.Relu },
        new(2, 48, 27, 27, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // A dilated 1 x 5 kernel reaching past a 3-wide map: its last copies are shifted past every input column.
        new(1, 4, 5, 3, 16, 1, 5) { DilationWidth = 2, PadRight = 6, HasBias = true },
    ];

    private static readonly (MapLayout Input, MapLayout Output)[] Layouts =
        [(MapLayout.Planar, MapLayout.Planar), (MapLayout.Blocked, MapLayout.Blocked), (MapLayout.Planar, MapLayout.Blocked), (MapLayout.Blocked, MapLayout.Planar)];

    internal static int ShapeCount => Layers.Length;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(Layers.Length);

    /// <summary>
    /// A quarter of the weights kept at random, output channel 1's and input channel 0's none: the reference's outputs, bit
    /// for bit the dense kernel's, and MACs counted as the nonzero weights times the output positions against the dense product's.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Pruned_weights_match_scalar_reference_in_every_layout(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 1300 + shape);
        float[] weights = Pruned(parameters.Weights, layer, new Random(shape));
        float[] input = LayerParameters.Uniform(new Random(13_000 + shape), LayerParameters.Count(layer.InputShape()));
        double[] expected = ScalarReference.Conv(layer, input, weights, parameters.Bias);
        int plane = layer.Height * layer.Width;
        long nonzero = weights.Count(w => w != 0);
        foreach ((MapLayout inputLayout, MapLayout outputLayout) in Layouts)
        {
            string context = $"shape {shape} on {path}, {inputLayout} in, {outputLayout} out: {layer}";
            ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { InputLayout = inputLayout, OutputLayout = outputLayout };
            var kernel = new ConvKernel(spec, weights, parameters.Bias ?? [], path);
            ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
            Assert.Equal(ConvAlgorithm.SparseTaps, work.Algorithm);
            float[] x = inputLayout == MapLayout.Blocked ? BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN) : input;
            CounterValues before = kernel.Counters.Read();
            float[] output = BlockedConvTests.Run(kernel, work, x, layer, context);
            CounterValues counted = kernel.Counters.Read() - before;
            OutputComparison.AssertClose(expected, output, context);
            // The dense kernel's own outputs: the same sums in the same order, a zero weight adding exactly zero.
            Assert.Equal(BlockedConvTests.Run(kernel, kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles), x, layer, context), output);
            long positions = (long)layer.Batch * work.Geometry.OutputSize;
            Assert.Equal(new CounterValues(0, positions * nonzero, positions * layer.OutputChannels * spec.ReductionLength,
                Outputs: positions * layer.OutputChannels), counted);
        }
    }

    /// <summary>A quarter of <paramref name="weights"/> kept, none of output channel 1's (where there is one) or input channel 0's.</summary>
    private static float[] Pruned(float[] weights, ConvLayer layer, Random random)
    {
        int taps = layer.KernelHeight * layer.KernelWidth, k = layer.InputChannels * taps;
        var pruned = new float[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            int m = i / k, c = i % k / taps;
            if (m != 1 && c != 0 && random.Next(4) == 0) pruned[i] = weights[i];
        }
        return pruned;
    }

    /// <summary>
    /// The sparse kernel takes exact, one-group, stride-1 spatial convolutions whose weights are at most 40% nonzero; denser
    /// weights, a 1x1 kernel, a stride, groups, the approximate mechanisms, a residual, pointwise channels and an infinite
    /// weight keep the dense kernel.
    /// </summary>
    [Fact]
    public void Sparse_kernel_takes_only_pruned_exact_spatial_convolutions()
    {
        var spec = new ConvSpec(64, 16, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);
        float[] Weights(ConvSpec s, double density)
        {
            var w = new float[s.WeightCount];
            for (int i = 0; i < (int)(density * w.Length); i++) w[i * 7 % w.Length] = 0.5f;
            return w;
        }
        bool Sparse(ConvSpec s, float[] w) => new ConvKernel(s, w, [], SimdPaths.Best).Supports(ConvAlgorithm.SparseTaps, 1, 12, 12);

        Assert.True(Sparse(spec, Weights(spec, SparseWeights.MaximumDensity)));
        Assert.True(Sparse(spec, new float[spec.WeightCount]));
        Assert.Equal(ConvAlgorithm.SparseTaps, new ConvKernel(spec, Weights(spec, 0.3), [], SimdPaths.Best).Plan(1, 16, 12, 12).Algorithm);
        Assert.False(Sparse(spec, Weights(spec, SparseWeights.MaximumDensity + 0.01)));
        ConvSpec pointwise1x1 = new(64, 16, 1, 1);
        Assert.False(Sparse(pointwise1x1, Weights(pointwise1x1, 0.2)));
        Assert.False(Sparse(spec with { StrideHeight = 2, StrideWidth = 2 }, Weights(spec, 0.2)));
        ConvSpec grouped = spec with { Group = 2 };
        Assert.False(Sparse(grouped, Weights(grouped, 0.2)));
        Assert.False(Sparse(spec with { SdssDelta = 0.5f }, Weights(spec, 0.2)));
        Assert.False(Sparse(spec with { SpetPrefix = 0.5f, Activation = OnnxDyVE.Kernels.Activation.Relu }, Weights(spec, 0.2)));
        Assert.False(Sparse(spec with { SfmaDelta = 0.1f }, Weights(spec, 0.2)));
        Assert.False(Sparse(spec with { OutputLayout = MapLayout.Blocked, Residual = true }, Weights(spec, 0.2)));
        ConvSpec fused = spec with { OutputChannels = 128, OutputLayout = MapLayout.Blocked, PointwiseChannels = 64 };
        Assert.False(Sparse(fused, new float[fused.WeightCount]));
        float[] infinite = Weights(spec, 0.2);
        infinite[1] = float.PositiveInfinity;
        Assert.False(Sparse(spec, infinite));
        Assert.Throws<ArgumentException>(() => new ConvKernel(spec, Weights(spec, 0.5), [], SimdPaths.Best).Plan(1, 16, 12, 12, ConvAlgorithm.SparseTaps));
    }
}
