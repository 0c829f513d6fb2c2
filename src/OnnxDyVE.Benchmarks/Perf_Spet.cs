using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Harness;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// SPET against exact DyveConv against ONNX Runtime's Conv, per layer of cifar10_quick and the Deep Compression
/// SqueezeNet, on the activation the layer receives when its model runs on a real test image (<see cref="RealLayer"/>):
/// exact SPET (strength 0) and the partial sum alone (strength 1), after a quarter and a half of the input channels.
/// </summary>
[Config(typeof(RealLayerConfig))]
public class Perf_Spet
{
    private PreparedSession? _session;

    public static IEnumerable<string> Layers =>
    [
        "cifar10_quick:conv1/Conv", "cifar10_quick:conv2/Conv", "cifar10_quick:conv3/Conv",
        "squeezenet_v1.0_deep_compression:fire2/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:fire4/conv3x3_2/Conv",
        "squeezenet_v1.0_deep_compression:fire9/conv3x3_2/Conv", "squeezenet_v1.0_deep_compression:fire9/conv1x1_2/Conv",
        "squeezenet_v1.0_deep_compression:conv_final/Conv",
    ];

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    /// <summary>Share of the input channels every output computes first.</summary>
    [Params(0.25f, 0.5f)]
    public float Prefix { get; set; }

    /// <summary>t = effort x spet_delta: 0 exact, 1 the partial sum's sign alone.</summary>
    [Params(0f, 1f)]
    public float Strength { get; set; }

    [GlobalSetup(Target = nameof(Stock))]
    public void SetupStock() => _session = Create(layer => layer.Stock, effort: null);

    [GlobalSetup(Target = nameof(Exact))]
    public void SetupExact() => _session = Create(layer => layer.Dyve, effort: 0f);

    [GlobalSetup(Target = nameof(Spet))]
    public void SetupSpet() => _session = Create(layer =>
    {
        ModelProto model = layer.Dyve.Clone();
        NodeProto node = model.Graph.Node[0];
        SdssNodes.SetFloat(node, DyveSchema.ActivationScale, layer.ActivationScale);
        SdssNodes.SetFloat(node, DyveSchema.SpetPrefix, Prefix);
        SdssNodes.SetFloat(node, DyveSchema.SpetDelta, Strength);
        return model;
    }, effort: 1f);

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    [Benchmark(Baseline = true)]
    public void Stock() => _session!.Run();

    [Benchmark]
    public void Exact() => _session!.Run();

    [Benchmark]
    public void Spet() => _session!.Run();

    private PreparedSession Create(Func<RealLayer, ModelProto> model, float? effort)
    {
        RealLayer layer = RealLayer.Load(Layer);
        return new PreparedSession(model(layer).ToByteArray(), threads: 1, layer.Input, layer.InputShape, effort);
    }
}
