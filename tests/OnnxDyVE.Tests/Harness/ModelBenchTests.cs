using Google.Protobuf;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Harness;

public sealed class ModelBenchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] times = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        LatencySummary summary = LatencySummary.Of(times, batch: 2);
        Assert.Equal((50.0, 90.0, 99.0, 50.5), (summary.P50Ms, summary.P90Ms, summary.P99Ms, summary.MeanMs));
        Assert.Equal(2 * 1000 / 50.5, summary.ImagesPerSecond, 9);
        Assert.Throws<ArgumentException>(() => LatencySummary.Of([], 1));
    }

    /// <summary>
    /// A one-conv model (its output read as class scores) against its DyVE rewrite, on real CIFAR-10 images: exact
    /// mode agrees on every image, and the node's work is counted. Real converted models run in `dyve demo`.
    /// </summary>
    [Fact]
    public void A_rewritten_model_agrees_with_its_stock_original_on_real_images()
    {
        if (!SharedData.TryGetFolder(out string shared)) return;
        var layer = new ConvLayer(1, 3, 32, 32, 8, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };
        Onnx.ModelProto stock = CifarClassifiers.WithPreprocessing(LayerModels.Conv(layer, seed: 3, LayerPaths.Reference));
        string stockPath = Path.Combine(_folder, "stock.onnx"), dyvePath = Path.Combine(_folder, "dyve.onnx");
        File.WriteAllBytes(stockPath, stock.ToByteArray());
        File.WriteAllBytes(dyvePath, DyveRewriter.Rewrite(stock).Model.ToByteArray());

        ModelBenchResult result = ModelBench.Run(stockPath, dyvePath, Path.Combine(shared, "data", "cifar10", "test"), limit: 20, threads: 1, timedRuns: 5);

        Assert.Equal(20, result.Stock.Count);
        Assert.Equal(100, result.Agreement);
        Assert.Equal(result.Stock.Top1, result.Dyve.Top1);
        DyveNodeStatistics work = Assert.Single(result.Layers);
        Assert.Equal(20L * 8 * 3 * 9 * 32 * 32, work.Counters.DenseMacs);
        Assert.True(result.StockLatency.P50Ms > 0 && result.DyveLatency.P50Ms > 0);
    }
}
