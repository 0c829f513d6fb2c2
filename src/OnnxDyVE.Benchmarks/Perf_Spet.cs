using BenchmarkDotNet.Attributes;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// SPET against exact DyveConv against ONNX Runtime's Conv, per layer of cifar10_quick and the Deep Compression
/// SqueezeNet followed by a ReLU (<see cref="RealLayerMechanism"/>): exact SPET (strength 0) and the partial sum alone
/// (strength 1), after a quarter and a half of the input channels.
/// </summary>
[Config(typeof(RealLayerConfig))]
public class Perf_Spet : RealLayerMechanism
{
    // cifar10_quick's conv1 is followed by pooling, not a ReLU: SPET does not apply to it.
    public static IEnumerable<string> Layers =>
    [
        "cifar10_quick:conv2/Conv", "cifar10_quick:conv3/Conv",
        "squeezenet_v1.0_deep_compression:fire2/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:fire4/conv3x3_2/Conv",
        "squeezenet_v1.0_deep_compression:fire9/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:fire9/conv1x1_2/Conv",
        "squeezenet_v1.0_deep_compression:conv_final/Conv",
    ];

    [ParamsSource(nameof(Layers))]
    public override string Layer { get; set; } = "";

    /// <summary>Share of the input channels every output computes first.</summary>
    [Params(0.25f, 0.5f)]
    public float Prefix { get; set; }

    /// <summary>t = effort x spet_delta: 0 exact, 1 the partial sum's sign alone.</summary>
    [Params(0f, 1f)]
    public float Strength { get; set; }

    protected override void Configure(NodeProto node)
    {
        SdssNodes.SetFloat(node, DyveSchema.SpetPrefix, Prefix);
        SdssNodes.SetFloat(node, DyveSchema.SpetDelta, Strength);
    }

    [GlobalSetup(Target = nameof(Spet))]
    public void SetupSpet() => SetupMechanism();

    [Benchmark]
    public void Spet() => RunMechanism();
}
