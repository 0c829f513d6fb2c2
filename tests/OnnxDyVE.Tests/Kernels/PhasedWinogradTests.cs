using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Strided convolutions by Winograd's tiles over their phase planes (<see cref="ConvAlgorithm.PhasedWinograd"/>, AVX-512)
/// against the scalar reference: SqueezeNet's and ResNet18's 7 x 7 / 2 (F(5 x 5, 4 x 4) over 12 phase planes), AlexNet's
/// 11 x 11 / 4 (F(2 x 2) or F(4 x 4, 3 x 3) over 48), a 5 x 5 / 2 (3 x 3 over 12), with padding on any side or none, maps
/// that end mid-tile and mid-phase, two images, every activation (a clip on inputs a tenth the range: the tolerance is relative to the outputs' largest), no bias, planar or blocked output; what they count, and
/// where they may not run.
/// </summary>
public sealed class PhasedWinogradTests
{
    private static ConvLayer Strided(int batch, int channels, int size, int outputs, int kernel, int stride, int pad) =>
        new(batch, channels, size, size, outputs, kernel, kernel)
        {
            StrideHeight = stride, StrideWidth = stride, PadTop = pad, PadLeft = pad, PadBottom = pad, PadRight = pad,
            HasBias = true, Activation = LayerActivation.Relu,
        };

    private static readonly ConvLayer[] Layers =
    [
        // SqueezeNet's conv1 on a smaller map (no padding; 111 x 111 outputs at 227), ResNet18's (padding 3), two images.
        Strided(1, 3, 37, 96, 7, 2, 0),
        Strided(2, 3, 30, 64, 7, 2, 3) with { Activation = LayerActivation.LeakyRelu(0.1f) },
        // Uneven padding, an odd input whose phases differ in size, no bias, no activation.
        new(1, 3, 25, 22, 32, 7, 7) { StrideHeight = 2, StrideWidth = 2, PadTop = 1, PadLeft = 3, PadBottom = 2, HasBias = false },
        // A clip (of outputs far larger than its bounds here: on inputs of a tenth the range).
        Strided(1, 3, 23, 16, 7, 2, 1) with { Activation = LayerActivation.Clip(0.25f, 6f) },
        // AlexNet's conv1 (11 x 11 / 4 over 48 phase planes of 3 x 3) and a 5 x 5 / 2 (3 x 3 over 12).
        Strided(1, 3, 43, 96, 11, 4, 0),
        Strided(1, 3, 21, 48, 5, 2, 2),
        // Four input channels: 16 phase planes, one whole block; a map of one output.
        Strided(1, 4, 19, 16, 7, 2, 0),
        Strided(1, 3, 7, 16, 7, 2, 0),
    ];

    public static TheoryData<int, MapLayout, bool> Cases()
    {
        var cases = new TheoryData<int, MapLayout, bool>();
        foreach (int shape in Enumerable.Range(0, Layers.Length))
            foreach (MapLayout output in new[] { MapLayout.Blocked, MapLayout.Planar })
                foreach (bool large in new[] { false, true })
                    cases.Add(shape, output, large);
        return cases;
    }

    private static bool HasAvx512 => SimdPaths.Best >= SimdPath.Vector512;

    /// <summary>
    /// The kernel's own choice on AVX-512, against the reference; <paramref name="large"/> tells the kernel of a 227 x 227
    /// input, which chooses 4 x 4 tiles for a 3 x 3 phase kernel (F(5 x 5) is the 4 x 4 one's only form).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference(int shape, MapLayout outputLayout, bool large)
    {
        if (!HasAvx512) return;
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 500 + shape);
        // Inputs of an image's range, mean subtracted, as a first layer sees them.
        float range = layer.Activation.Kind == LayerActivationKind.Clip ? 24 : 240;
        float[] input = [.. LayerParameters.Uniform(new Random(510 + shape), LayerParameters.Count(layer.InputShape())).Select(v => (v - 0.5f) * range)];
        double[] expected = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with { OutputLayout = outputLayout };
        var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512, large ? (227, 227) : (layer.Height, layer.Width));
        string context = $"shape {shape}, {outputLayout} output{(large ? ", told of 227 x 227" : "")}: {layer}";
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width);
        Assert.Equal(ConvAlgorithm.PhasedWinograd, work.Algorithm);
        CounterValues before = kernel.Counters.Read();
        float[] output = BlockedConvTests.Run(kernel, work, input, layer, context);
        OutputComparison.AssertClose(expected, output, context);

        // The strided convolution's own MACs as dense (not the phase kernel's zero taps); the products of every tile,
        // (m + r - 1)^2 for each of the phase planes and output channels, as executed; the transforms as overhead.
        CounterValues counted = kernel.Counters.Read() - before;
        ScalarReference.ConvGeometry geometry = ScalarReference.Geometry(layer);
        long outputs = (long)layer.Batch * layer.OutputChannels * geometry.OutputHeight * geometry.OutputWidth;
        Assert.Equal(outputs * layer.InputChannels * layer.KernelHeight * layer.KernelWidth, counted.DenseMacs);
        Assert.Equal(Products(layer, large), counted.ExecutedMacs);
        Assert.True(counted.OverheadOps > 0, context);
        Assert.Equal(outputs, counted.Outputs);
    }

    /// <summary>
    /// The products the phased tiles execute for <paramref name="layer"/>: (m + r - 1)^2 per m x m tile, phase plane and
    /// output channel, r the phase kernel's side; m 5 for r = 4, else 4 where the kernel was told of large maps
    /// (<paramref name="largeMaps"/>), 2 where not.
    /// </summary>
    internal static long Products(ConvLayer layer, bool largeMaps)
    {
        ScalarReference.ConvGeometry geometry = ScalarReference.Geometry(layer);
        int phaseKernel = (layer.KernelHeight + layer.StrideHeight - 1) / layer.StrideHeight;
        int tile = phaseKernel == 4 ? 5 : largeMaps ? 4 : 2, points = (tile + phaseKernel - 1) * (tile + phaseKernel - 1);
        long tiles = (long)((geometry.OutputHeight + tile - 1) / tile) * ((geometry.OutputWidth + tile - 1) / tile);
        return layer.Batch * tiles * points * layer.InputChannels * layer.StrideHeight * layer.StrideWidth * layer.OutputChannels;
    }

    /// <summary>
    /// Not where the split is not worth it (a 3 x 3 / 2 kernel: 16 taps per phase group for 9), a blocked input (the split
    /// reads planar maps), output channels ending mid-block, an approximate mechanism, a residual, or narrower vectors.
    /// </summary>
    [Fact]
    public void Refused_where_it_does_not_apply()
    {
        ConvSpec spec = KernelSpecs.ToConvSpec(Layers[0]);
        void Refused(ConvSpec s, SimdPath path, string why)
        {
            var kernel = new ConvKernel(s, LayerParameters.Uniform(new Random(5), (int)s.WeightCount), [], path);
            Assert.False(kernel.Supports(ConvAlgorithm.PhasedWinograd, 1, 37, 37), why);
            Assert.NotEqual(ConvAlgorithm.PhasedWinograd, kernel.Plan(1, s.InputChannels, 37, 37).Algorithm);
            Assert.Throws<ArgumentException>(() => kernel.Plan(1, s.InputChannels, 37, 37, ConvAlgorithm.PhasedWinograd));
        }
        foreach (SimdPath path in KernelSpecs.AvailablePaths().Where(p => p < SimdPath.Vector512))
            Refused(spec, path, $"{path}");
        if (!HasAvx512) return;
        Refused(spec with { KernelHeight = 3, KernelWidth = 3 }, SimdPath.Vector512, "3 x 3 / 2");
        Refused(spec with { InputChannels = 16, InputLayout = MapLayout.Blocked }, SimdPath.Vector512, "blocked input");
        Refused(spec with { OutputChannels = 40 }, SimdPath.Vector512, "output channels ending mid-block");
        Refused(spec with { SpetPrefix = 0.5f }, SimdPath.Vector512, "SPET");
        Refused(spec with { OutputLayout = MapLayout.Blocked, Residual = true }, SimdPath.Vector512, "a residual");
        Assert.True(new ConvKernel(spec, LayerParameters.Uniform(new Random(5), (int)spec.WeightCount), [], SimdPath.Vector512)
            .Supports(ConvAlgorithm.PhasedWinograd, 1, 37, 37));
    }
}
