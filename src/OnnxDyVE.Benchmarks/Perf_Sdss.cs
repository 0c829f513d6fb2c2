using BenchmarkDotNet.Attributes;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// SDSS against exact DyveConv against ONNX Runtime's Conv, per layer of cifar10_quick and the Deep Compression
/// SqueezeNet (<see cref="RealLayerMechanism"/>). The threshold is given in units of the layer's activation scale, as
/// calibration sets it.
/// </summary>
[Config(typeof(RealLayerConfig))]
public class Perf_Sdss : RealLayerMechanism
{
    public static IEnumerable<string> Layers =>
    [
        "cifar10_quick:conv1/Conv", "cifar10_quick:conv2/Conv", "cifar10_quick:conv3/Conv",
        "squeezenet_v1.0_deep_compression:fire2/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:fire4/conv3x3_2/Conv",
        "squeezenet_v1.0_deep_compression:fire9/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:conv_final/Conv",
    ];

    [ParamsSource(nameof(Layers))]
    public override string Layer { get; set; } = "";

    /// <summary>SDSS threshold in units of the layer's activation scale (the calibration ladder's middle and top).</summary>
    [Params(0.5f, 2f)]
    public float Delta { get; set; }

    protected override void Configure(NodeProto node) => SdssNodes.SetFloat(node, DyveSchema.SdssDelta, Delta);

    [GlobalSetup(Target = nameof(Sdss))]
    public void SetupSdss() => SetupMechanism();

    [Benchmark]
    public void Sdss() => RunMechanism();
}
