using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// 1 x 1 convolutions of the Deep Compression SqueezeNet, kernel alone on one thread, on the activation each receives when
/// the model runs on a real test image (<see cref="RealLayer"/>), in blocked maps as in a rewritten network: the kernel's
/// own plan, whose tasks run over each position's list of nonzero inputs where their samples say so
/// (<c>PointwiseLists</c>), against position tiles forced (their lists keep a channel wherever one of six positions is
/// nonzero). Seeded weights of the layer's shape: the speed depends on which inputs are zero, not on the weights' values.
/// </summary>
[Config(typeof(RealLayerConfig))]
public class Perf_PointwiseLists
{
    private const string Model = "squeezenet_v1.0_deep_compression";

    private ConvKernel? _kernel;
    private ConvWork _work;
    private float[] _input = [];
    private float[] _output = [];

    [Params("fire6/conv1x1_1/Conv", "fire7/conv1x1_1/Conv", "fire8/conv1x1_1/Conv", "fire9/conv1x1_1/Conv", "conv_final/Conv")]
    public string Layer { get; set; } = "";

    [GlobalSetup(Target = nameof(PositionTiles))]
    public void SetupPositionTiles() => Setup(ConvAlgorithm.PositionTiles);

    [GlobalSetup(Target = nameof(OwnPlan))]
    public void SetupOwnPlan() => Setup(null);

    [Benchmark(Baseline = true)]
    public void PositionTiles() => KernelRuns.Run(_kernel!, _work, _input, _output);

    [Benchmark]
    public void OwnPlan() => KernelRuns.Run(_kernel!, _work, _input, _output);

    private void Setup(ConvAlgorithm? algorithm)
    {
        RealLayer real = RealLayer.Load($"{Model}:{Layer}");
        int channels = (int)real.InputShape[1], height = (int)real.InputShape[2], width = (int)real.InputShape[3];
        var weights = real.Dyve.Graph.Initializer.Single(t => t.Dims.Count == 4);
        int outputs = (int)weights.Dims[0];
        // conv_final (pad 1) writes planar maps for the pool after it; the squeezes write blocked maps for the expands.
        int pad = Layer.StartsWith("conv_final", StringComparison.Ordinal) ? 1 : 0;
        var layer = new ConvLayer(1, channels, height, width, outputs, 1, 1)
        {
            PadTop = pad, PadLeft = pad, PadBottom = pad, PadRight = pad, HasBias = true, Activation = LayerActivation.Relu,
        };
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 1);
        var spec = new ConvSpec(outputs, channels, 1, 1, PadTop: pad, PadLeft: pad, PadBottom: pad, PadRight: pad,
            Activation: Kernels.Activation.Relu, SkipZeroMaps: true, SkipZeroInputs: true, InputLayout: MapLayout.Blocked,
            OutputLayout: pad > 0 ? MapLayout.Planar : MapLayout.Blocked);
        _kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias ?? [], SimdPaths.Best, (height, width));
        _work = _kernel.Plan(1, channels, height, width, algorithm, parallel: false);
        _input = BlockedLayer.ToBlocks(real.Input, channels, height * width);
        _output = new float[(outputs + 15) / 16 * 16 * _work.Geometry.OutputSize];
    }
}
