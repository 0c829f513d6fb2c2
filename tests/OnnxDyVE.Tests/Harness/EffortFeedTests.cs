using Google.Protobuf;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Harness;

/// <summary>
/// The measuring code feeds a rewritten model's effort input only when told to: by default it feeds the image
/// alone and the model runs at its default effort.
/// </summary>
public sealed class EffortFeedTests : IDisposable
{
    private static readonly ConvLayer Layer = new(1, 3, 32, 32, 8, 3, 3)
        { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };

    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-effort-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The stock layer model, its node renamed: ModelBenchTests, which may run meanwhile, finds its node's work by
    /// the name the layer models give it.
    /// </summary>
    private static Onnx.ModelProto Stock(int seed)
    {
        Onnx.ModelProto model = LayerModels.Conv(Layer, seed, LayerPaths.Reference);
        foreach (Onnx.NodeProto node in model.Graph.Node) node.Name = $"effort_feed_{node.Name}";
        return model;
    }

    [Fact]
    public void A_prepared_session_runs_at_the_default_or_at_the_effort_it_is_given()
    {
        byte[] stock = Stock(seed: 4).ToByteArray();
        byte[] dyve = DyveRewriter.Rewrite(Stock(seed: 4)).Model.ToByteArray();
        float[] input = LayerParameters.Uniform(new Random(4), LayerParameters.Count(Layer.InputShape()));

        using var reference = new PreparedSession(stock, 1, input, Layer.InputShape());
        using var atDefault = new PreparedSession(dyve, 1, input, Layer.InputShape());
        using var atHalf = new PreparedSession(dyve, 1, input, Layer.InputShape(), effort: 0.5f);
        atHalf.Run();

        OutputComparison.AssertClose(reference.Output, atDefault.Output, "effort not fed");
        OutputComparison.AssertClose(reference.Output, atHalf.Output, "effort 0.5");
        Assert.Throws<ArgumentException>(() => new PreparedSession(stock, 1, input, Layer.InputShape(), effort: 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PreparedSession(dyve, 1, input, Layer.InputShape(), effort: 1.5f));
    }

    [Fact]
    public void The_evaluator_feeds_the_effort_it_is_given()
    {
        if (!SharedData.TryGetFolder(out string shared)) return;
        Onnx.ModelProto stock = CifarClassifiers.WithPreprocessing(Stock(seed: 6));
        string stockPath = Path.Combine(_folder, "stock.onnx"), dyvePath = Path.Combine(_folder, "dyve.onnx");
        File.WriteAllBytes(stockPath, stock.ToByteArray());
        File.WriteAllBytes(dyvePath, DyveRewriter.Rewrite(stock).Model.ToByteArray());
        string data = Path.Combine(shared, "data", "cifar10", "test");

        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions().AppendDyVE();
        EvaluationResult atDefault = Evaluator.Run(dyvePath, data, limit: 8, options);
        EvaluationResult atOne = Evaluator.Run(dyvePath, data, limit: 8, options, effort: 1f);

        Assert.Equal(100, atOne.Top1Agreement(atDefault));
        Assert.Throws<ArgumentException>(() => Evaluator.Run(stockPath, data, limit: 1, options, effort: 1f));
    }
}
