using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// A stock session and a DyVE session of one real conv layer (every distinct one of VGG-16 and SqueezeNet v1.0), with
/// the same options, weights and input: the pair the layer benchmarks time, each building its sessions its own way.
/// </summary>
public abstract class ConvLayerPair
{
    protected const int WeightSeed = 1;
    protected const int InputSeed = 7;

    private PreparedSession? _stock;
    private PreparedSession? _dyve;

    public static IEnumerable<string> Layers => RealLayers.ConvolutionNames;

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    /// <summary>Intra-op threads of the session, for stock and DyVE alike.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup(Target = nameof(Stock))]
    public void SetupStock() => _stock = CreateStock(RealLayers.Convolution(Layer));

    [GlobalSetup(Target = nameof(Dyve))]
    public void SetupDyve() => _dyve = CreateDyve(RealLayers.Convolution(Layer));

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

    protected abstract PreparedSession CreateStock(ConvLayer layer);

    protected abstract PreparedSession CreateDyve(ConvLayer layer);
}
