using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Harness;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// One dynamic-effort mechanism of DyveConv against exact DyveConv against ONNX Runtime's Conv, per real layer, on the
/// activation the layer receives when its model runs on a real test image (<see cref="RealLayer"/>). A subclass names
/// the layers, writes the mechanism's settings and declares the mechanism's benchmark (calling <see cref="SetupMechanism"/>
/// and <see cref="RunMechanism"/>).
/// </summary>
public abstract class RealLayerMechanism
{
    private PreparedSession? _session;

    /// <summary>The layer, as model:node (<see cref="RealLayer.Load"/>).</summary>
    public abstract string Layer { get; set; }

    /// <summary>Writes the mechanism's settings on the layer's DyveConv node (its activation scale is already set).</summary>
    protected abstract void Configure(NodeProto node);

    [GlobalSetup(Target = nameof(Stock))]
    public void SetupStock() => _session = Create(layer => layer.Stock, effort: null);

    [GlobalSetup(Target = nameof(Exact))]
    public void SetupExact() => _session = Create(layer => layer.Dyve, effort: 0f);

    /// <summary>The layer with the mechanism on, at effort 1 (the settings as written).</summary>
    protected void SetupMechanism() => _session = Create(layer =>
    {
        ModelProto model = layer.Dyve.Clone();
        NodeProto node = model.Graph.Node[0];
        SdssNodes.SetFloat(node, DyveSchema.ActivationScale, layer.ActivationScale);
        Configure(node);
        return model;
    }, effort: 1f);

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    [Benchmark(Baseline = true)]
    public void Stock() => _session!.Run();

    [Benchmark]
    public void Exact() => _session!.Run();

    protected void RunMechanism() => _session!.Run();

    private PreparedSession Create(Func<RealLayer, ModelProto> model, float? effort)
    {
        RealLayer layer = RealLayer.Load(Layer);
        return new PreparedSession(model(layer).ToByteArray(), threads: 1, layer.Input, layer.InputShape, effort);
    }
}
