using Google.Protobuf;
using OnnxDyVE.Calibration;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;
using OnnxDyVE.Reports;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Harness;

/// <summary>The effort sweep on a one-conv model and its DyVE rewrite (effort fed per run); no timings are asserted, only their shape.</summary>
public sealed class EffortSweepTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-sweep-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_sweep_times_each_effort_in_order()
    {
        if (!TryModels(frontier: null, out string stockPath, out string dyvePath, out string data)) return;

        IReadOnlyList<EffortTiming> timings = EffortSweep.Run(stockPath, dyvePath, data, [0f, 0.5f, 1f], threads: 1, timedRuns: 3);

        Assert.Equal([0f, 0.5f, 1f], timings.Select(t => t.Effort));
        Assert.All(timings, t => Assert.True(t.Stock.P50Ms > 0 && t.Dyve.P50Ms > 0 && t.Speedup > 0));
        Assert.Empty(EffortSweep.Run(stockPath, dyvePath, data, [], threads: 1, timedRuns: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => EffortSweep.Run(stockPath, dyvePath, data, [1.5f], threads: 1, timedRuns: 3));
    }

    [Fact]
    public void The_curve_of_a_calibrated_model_has_a_timing_per_frontier_point()
    {
        FrontierPoint[] frontier = [new(0f, 100, 1), new(0.5f, 99, 1.5), new(1f, 97, 2)];
        if (!TryModels(frontier, out string stockPath, out string dyvePath, out string data)) return;

        EffortCurve curve = EffortCurve.Measure(stockPath, dyvePath, data, threads: 1, timedRuns: 2);

        Assert.Equal(frontier, curve.Frontier);
        Assert.Equal(frontier.Select(p => p.Effort), curve.Timings.Select(t => t.Effort));
        Assert.Equal(0.5f, curve.DefaultEffort);
    }

    [Fact]
    public void A_model_without_frontier_is_not_timed()
    {
        if (!TryModels(frontier: null, out string stockPath, out string dyvePath, out string data)) return;
        Assert.Same(EffortCurve.None, EffortCurve.Measure(stockPath, dyvePath, data, threads: 1, timedRuns: 2));
    }

    /// <summary>A one-conv stock model with preprocessing metadata and its rewrite at default effort 0.5, with <paramref name="frontier"/> stored when given.</summary>
    private bool TryModels(FrontierPoint[]? frontier, out string stockPath, out string dyvePath, out string data)
    {
        stockPath = Path.Combine(_folder, "stock.onnx");
        dyvePath = Path.Combine(_folder, "dyve.onnx");
        data = "";
        if (!SharedData.TryGetFolder(out string shared)) return false;
        data = Path.Combine(shared, "data", "cifar10", "test");
        var layer = new ConvLayer(1, 3, 32, 32, 8, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };
        Onnx.ModelProto stock = CifarClassifiers.WithPreprocessing(LayerModels.Conv(layer, seed: 3, LayerPaths.Reference));
        Onnx.ModelProto dyve = DyveRewriter.Rewrite(stock).Model;
        EffortInput.SetDefault(dyve, 0.5f);
        if (frontier is not null) EffortFrontier.Write(dyve, frontier);
        File.WriteAllBytes(stockPath, stock.ToByteArray());
        File.WriteAllBytes(dyvePath, dyve.ToByteArray());
        return true;
    }
}
