using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// Strided first layers, kernel alone on one thread: Winograd's tiles over their phase planes
/// (<c>ConvAlgorithm.PhasedWinograd</c>) against the direct kernel's position tiles, planar image in, blocked maps out (as
/// in a rewritten network). SqueezeNet's 7x7/2 (F(5 x 5, 4 x 4) over 12 planes), ResNet18's (the same, padded by 3) and
/// AlexNet's 11x11/4 (F(4 x 4, 3 x 3) over 48). Inputs uniform in [-120, 120), an image's range after its mean.
/// </summary>
[Config(typeof(RealLayerConfig))]
public class Perf_PhasedWinograd
{
    private static readonly (string Name, ConvLayer Layer)[] s_layers =
    [
        ("sqz.conv1", RealLayers.Convolution("sqz.conv1")),
        ("resnet18.conv1", new ConvLayer(1, 3, 224, 224, 64, 7, 7) { StrideHeight = 2, StrideWidth = 2, PadTop = 3, PadLeft = 3, PadBottom = 3, PadRight = 3, HasBias = true, Activation = LayerActivation.Relu }),
        ("alexnet.conv1", new ConvLayer(1, 3, 227, 227, 96, 11, 11) { StrideHeight = 4, StrideWidth = 4, HasBias = true, Activation = LayerActivation.Relu }),
    ];

    private ConvKernel? _kernel;
    private ConvWork _work;
    private float[] _input = [];
    private float[] _output = [];

    public static IEnumerable<string> Layers => s_layers.Select(layer => layer.Name);

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [GlobalSetup(Target = nameof(PositionTiles))]
    public void SetupPositionTiles() => Setup(ConvAlgorithm.PositionTiles);

    [GlobalSetup(Target = nameof(PhasedWinograd))]
    public void SetupPhasedWinograd() => Setup(ConvAlgorithm.PhasedWinograd);

    [Benchmark(Baseline = true)]
    public void PositionTiles() => KernelRuns.Run(_kernel!, _work, _input, _output);

    [Benchmark]
    public void PhasedWinograd() => KernelRuns.Run(_kernel!, _work, _input, _output);

    private void Setup(ConvAlgorithm algorithm)
    {
        ConvLayer layer = s_layers.Single(l => l.Name == Layer).Layer;
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 1);
        ConvSpec spec = new(layer.OutputChannels, layer.InputChannels, layer.KernelHeight, layer.KernelWidth,
            StrideHeight: layer.StrideHeight, StrideWidth: layer.StrideWidth,
            PadTop: layer.PadTop, PadLeft: layer.PadLeft, PadBottom: layer.PadBottom, PadRight: layer.PadRight, Activation: Kernels.Activation.Relu,
            OutputLayout: MapLayout.Blocked);
        _kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPaths.Best, (layer.Height, layer.Width));
        _input = [.. LayerParameters.Uniform(new Random(7), LayerParameters.Count(layer.InputShape())).Select(v => (v - 0.5f) * 240)];
        _work = _kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width, algorithm, parallel: false);
        _output = new float[(spec.OutputChannels + 15) / 16 * 16 * _work.Geometry.OutputSize];
    }
}
