using OnnxDyVE.Graph.Rewrite;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// With effort 0 only the exact mechanisms run (zero inputs in DyveGemm, zero maps in DyveConv): a rewritten real
/// model predicts what the original does on every test image, and its DyVE nodes still skip work.
/// </summary>
public sealed class ExactEffortTests
{
    [Theory]
    [InlineData("cifar10_quick", 1000)]
    [InlineData("squeezenet_v1.0_deep_compression", 40)]
    public void Effort_zero_predicts_what_the_original_does(string name, int count)
    {
        if (RealModel.Load(name) is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.TestFolder, model.Preprocessing, count, seed: 1);
        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(model.Stock, "stock", threads: 2))
            reference = stock.Run(images, effort: null).Predictions;
        using var dyve = new EffortRunner(model.Dyve, "rewritten", threads: 2);
        CalibrationPass pass = dyve.Run(images, effort: 0f);
        Assert.Equal(reference, pass.Predictions);
        Assert.True(pass.Total.ExecutedMacs < pass.Total.DenseMacs, $"{name}: {pass.Total}");
        Assert.Equal(0, pass.Total.ApproximatedOutputs);
    }
}
