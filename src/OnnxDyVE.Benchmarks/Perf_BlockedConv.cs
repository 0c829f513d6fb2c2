using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// DyveConv in exact mode on blocked maps against ONNX Runtime's own NCHWc Conv node (MLAS's kernel, the node its
/// optimizer makes of the layer on this CPU) on the same blocked input (<see cref="BlockedLayer"/>): every distinct conv
/// layer of VGG-16 and SqueezeNet v1.0 as the two run inside a network, with no layout conversion on either side
/// (<see cref="Perf_ExactConv"/> measures the planar one-node models, where each side converts in its own way).
/// AVX-512 only (ONNX Runtime's 16-channel blocks).
/// </summary>
[Config(typeof(ExactConvConfig))]
public class Perf_BlockedConv
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
    public void SetupStock()
    {
        BlockedLayer layer = BlockedLayer.Create(RealLayers.Convolution(Layer), WeightSeed, InputSeed);
        _stock = new PreparedSession(layer.Stock, Threads, layer.Input, layer.StockInputShape);
    }

    [GlobalSetup(Target = nameof(Dyve))]
    public void SetupDyve()
    {
        BlockedLayer layer = BlockedLayer.Create(RealLayers.Convolution(Layer), WeightSeed, InputSeed);
        _dyve = new PreparedSession(layer.Dyve, Threads, layer.Input, layer.DyveInputShape);
    }

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
}
