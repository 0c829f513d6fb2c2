using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// The exact convolution algorithms against each other, kernel alone on one thread (no ORT), on the stride-1 layers
/// of VGG-16 and SqueezeNet: padded taps (the default for spatial kernels) against position tiles, the candidate.
/// </summary>
[Config(typeof(ExactConvConfig))]
public class Perf_ConvAlgorithms
{
    private ConvKernel? _kernel;
    private ConvWork _work;
    private float[] _input = [];
    private float[] _output = [];

    public static IEnumerable<string> Layers => RealLayers.ConvolutionNames.Where(name =>
        RealLayers.Convolution(name) is { StrideHeight: 1, Group: 1, KernelHeight: > 1 });

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [GlobalSetup(Target = nameof(PaddedTaps))]
    public void SetupPaddedTaps() => Setup(ConvAlgorithm.PaddedTaps);

    [GlobalSetup(Target = nameof(PositionTiles))]
    public void SetupPositionTiles() => Setup(ConvAlgorithm.PositionTiles);

    [Benchmark(Baseline = true)]
    public void PaddedTaps() => Run();

    [Benchmark]
    public void PositionTiles() => Run();

    private void Setup(ConvAlgorithm algorithm)
    {
        ConvLayer layer = RealLayers.Convolution(Layer);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 1);
        ConvSpec spec = new(layer.OutputChannels, layer.InputChannels, layer.KernelHeight, layer.KernelWidth,
            PadTop: layer.PadTop, PadLeft: layer.PadLeft, PadBottom: layer.PadBottom, PadRight: layer.PadRight, Activation: Kernels.Activation.Relu,
            // SDSS on, so that a stride-1 kernel keeps the position tiles' packing; the runs are exact (effort 0).
            SdssDelta: 1f);
        _kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPaths.Best);
        _input = LayerParameters.Uniform(new Random(7), LayerParameters.Count(layer.InputShape()));
        _work = _kernel.Plan(1, layer.InputChannels, layer.Height, layer.Width, algorithm);
        _output = new float[spec.OutputChannels * _work.Geometry.OutputSize];
    }

    private void Run() => KernelRuns.Run(_kernel!, _work, _input, _output);
}
