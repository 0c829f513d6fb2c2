using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// DyveConv in exact mode (fused ReLU) against ONNX Runtime's Conv + Relu, on every distinct conv layer of
/// VGG-16 and SqueezeNet v1.0, each alone in its own session with the same options, weights and input.
/// </summary>
[Config(typeof(ExactConvConfig))]
public class Perf_ExactConv
{
    private const int WeightSeed = 1;
    private const int InputSeed = 7;

    private PreparedSession? _stock;
    private PreparedSession? _dyve;

    public static IEnumerable<string> Layers => RealLayers.ConvolutionNames;

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    /// <summary>Intra-op threads of the session, for stock and DyVE alike.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup(Target = nameof(Stock))]
    public void SetupStock() => _stock = CreateSession(LayerPaths.Reference);

    [GlobalSetup(Target = nameof(Dyve))]
    public void SetupDyve() => _dyve = CreateSession(LayerPaths.Dyve);

    [GlobalCleanup]
    public void Cleanup()
    {
        _stock?.Dispose();
        _dyve?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Stock() => _stock!.Run();

    [Benchmark]
    public void Dyve() => _dyve!.Run();

    private PreparedSession CreateSession(LayerPaths path)
    {
        ConvLayer layer = RealLayers.Convolution(Layer);
        long[] inputShape = layer.InputShape();
        float[] input = LayerParameters.Uniform(new Random(InputSeed), LayerParameters.Count(inputShape));
        byte[] model = Google.Protobuf.MessageExtensions.ToByteArray(LayerModels.Conv(layer, WeightSeed, path));
        return new PreparedSession(model, Threads, input, inputShape);
    }
}
