using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// Winograd's tiles against the direct kernel's position tiles, kernel alone on one thread, between blocked maps (as in a
/// rewritten network): the stride-1 3x3 layers of VGG-16 and SqueezeNet up to 256 input channels, cifar10's two 5x5
/// layers and SqueezeNet's fused fire modules (both expands as one node, <c>ConvSpec.PointwiseChannels</c>). F(2 x 2) is
/// what a kernel made without the session's shapes runs; "as chosen" is what a session runs, the tile picked from the
/// layer's maps (<c>WinogradTiles.TileFor</c>: 4 x 4 from 16 x 16 maps for 3 x 3 kernels, from 8 x 8 for 5 x 5 ones).
/// Every plan is one thread's (the runs here take every task on this thread, as a one-thread session plans them). Inputs are
/// uniform in [0, 1), so position tiles' lists of zero inputs find nothing to leave out; in a network after a ReLU they
/// may (docs/kernels.md).
/// </summary>
// RealLayerConfig: ExactConvConfig's shape and GFLOPS columns know RealLayers' names only, not cifar10's.
[Config(typeof(RealLayerConfig))]
public class Perf_Winograd
{
    private static readonly (string Name, ConvLayer Layer)[] s_cifar10 =
    [
        ("cifar10.conv2", new ConvLayer(1, 32, 16, 16, 32, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu }),
        ("cifar10.conv3", new ConvLayer(1, 32, 8, 8, 64, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu }),
    ];

    /// <summary>SqueezeNet's fire modules fused: input channels, each expand's channels, maps.</summary>
    private static readonly (string Name, int Squeeze, int Expand, int Size)[] s_fires =
    [
        ("sqz.fire2.fused", 16, 64, 55), ("sqz.fire4.fused", 32, 128, 55), ("sqz.fire6.fused", 48, 192, 27),
        ("sqz.fire8.fused", 64, 256, 27), ("sqz.fire9.fused", 64, 256, 13),
    ];

    private const int Block = BlockedLayer.Block;

    private ConvKernel? _kernel;
    private ConvWork _work;
    private float[] _input = [];
    private float[] _output = [];

    public static IEnumerable<string> Layers => RealLayers.ConvolutionNames
        .Where(name => RealLayers.Convolution(name) is { StrideHeight: 1, Group: 1, KernelHeight: 3, InputChannels: >= 16 and <= 256 })
        .Concat(s_cifar10.Select(layer => layer.Name)).Concat(s_fires.Select(fire => fire.Name));

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [GlobalSetup(Target = nameof(PositionTiles))]
    public void SetupPositionTiles() => Setup(ConvAlgorithm.PositionTiles, sessionShapes: false);

    [GlobalSetup(Target = nameof(WinogradTwoByTwo))]
    public void SetupTwoByTwo() => Setup(ConvAlgorithm.Winograd, sessionShapes: false);

    [GlobalSetup(Target = nameof(WinogradAsChosen))]
    public void SetupAsChosen() => Setup(ConvAlgorithm.Winograd, sessionShapes: true);

    [Benchmark(Baseline = true)]
    public void PositionTiles() => Run();

    [Benchmark]
    public void WinogradTwoByTwo() => Run();

    [Benchmark]
    public void WinogradAsChosen() => Run();

    private void Setup(ConvAlgorithm algorithm, bool sessionShapes)
    {
        (int pointwise, ConvLayer layer) = Shape(Layer);
        LayerParameters parameters = LayerParameters.ForFusedConv(layer, pointwise, seed: 1);
        ConvSpec spec = new(layer.OutputChannels, layer.InputChannels, layer.KernelHeight, layer.KernelWidth,
            PadTop: layer.PadTop, PadLeft: layer.PadLeft, PadBottom: layer.PadBottom, PadRight: layer.PadRight, Activation: Kernels.Activation.Relu,
            InputLayout: MapLayout.Blocked, OutputLayout: MapLayout.Blocked, PointwiseChannels: pointwise);
        _kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPaths.Best, sessionShapes ? (layer.Height, layer.Width) : null);
        // NCHW16c: blocks of 16 channels, a position's 16 together (both layers' channels are whole blocks).
        float[] planar = LayerParameters.Uniform(new Random(7), LayerParameters.Count(layer.InputShape()));
        _input = BlockedLayer.ToBlocks(planar, layer.InputChannels, layer.Height * layer.Width);
        _work = _kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width, algorithm, parallel: false);
        _output = new float[(spec.OutputChannels + Block - 1) / Block * Block * _work.Geometry.OutputSize];
    }

    private void Run() => KernelRuns.Run(_kernel!, _work, _input, _output);

    /// <summary>The named layer, and its pointwise channels (a fused fire module's 1x1 expand; 0 elsewhere).</summary>
    private static (int Pointwise, ConvLayer Layer) Shape(string name)
    {
        foreach (var (fire, squeeze, expand, size) in s_fires)
            if (fire == name)
                return (expand, new ConvLayer(1, squeeze, size, size, 2 * expand, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu });
        return (0, s_cifar10.Where(l => l.Name == name).Select(l => l.Layer).FirstOrDefault() ?? RealLayers.Convolution(name));
    }
}
