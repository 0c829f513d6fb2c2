using Onnx;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Kernels;
using OnnxDyVE.Schema;
using Xunit.Abstractions;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// SFMA's near-uniform maps on real calibration images, counted by DyveConv itself: every layer SFMA applies to at
/// one threshold (in units of the layer's input scale) at effort 1, against the exact model at effort 0 (which already
/// skips zero maps where the input is copied). Prints per layer the share of input maps left out (zero or folded) and
/// folded (near-uniform, not zero), and for the model the MACs executed against the exact run and the top-1
/// agreement with the original. Checks only what must hold: more threshold never folds fewer maps.
/// </summary>
public sealed class SfmaRealDataTests(ITestOutputHelper output)
{
    private static readonly float[] Thresholds = [1e-6f, 0.0625f, 0.25f, 1f];

    [Theory]
    [InlineData("cifar10_quick", 500)]
    [InlineData("squeezenet_v1.0_deep_compression", 60)]
    public void Near_uniform_maps_are_counted_and_folded(string name, int count)
    {
        if (RealModel.Load(name) is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, count, seed: 4);
        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(model.Stock, "stock", threads: 2))
            reference = stock.Run(images, effort: null).Predictions;
        IReadOnlyDictionary<string, NodeScales> scales = ActivationScales.Measure(model.Dyve, images, threads: 2);
        CalibrationPass exact;
        using (var runner = new EffortRunner(model.Dyve, "exact", threads: 2))
            exact = runner.Run(images, effort: 0f);

        output.WriteLine($"{name}, {count} calibration images; per layer: input maps left out (zero or near-uniform) / folded (near-uniform, not zero), per threshold x input scale");
        var passes = Thresholds.Select(threshold => WithSfma(model.Dyve, scales, threshold, images)).ToList();
        output.WriteLine($"| layer | input channels | input scale | {string.Join(" | ", Thresholds.Select(t => $"{t:G3}"))} |");
        output.WriteLine($"|---|--:|--:|{string.Concat(Thresholds.Select(_ => "--:|"))}");
        foreach (string layer in scales.Keys)
        {
            long maps = (long)count * InputChannels(model.Dyve, layer);
            var cells = passes.Select(p => p.Layers.Single(l => l.Node == layer).Counters)
                .Select(c => $"{1 - (double)c.ExecutedMacs / c.DenseMacs:P1} / {(double)c.FoldedMaps / maps:P1}");
            output.WriteLine($"| {layer} | {maps / count} | {scales[layer].Input:G4} | {string.Join(" | ", cells)} |");
        }
        output.WriteLine("| threshold | MACs executed / exact run's | overhead / dense | top-1 agreement |");
        output.WriteLine("|--:|--:|--:|--:|");
        output.WriteLine($"| exact (effort 0) | 100% | {(double)exact.Total.OverheadOps / exact.Total.DenseMacs:P2} | {exact.Agreement(reference):F1}% |");
        for (int i = 0; i < Thresholds.Length; i++)
        {
            CounterValues total = passes[i].Total;
            output.WriteLine($"| {Thresholds[i]:G3} | {(double)total.ExecutedMacs / exact.Total.ExecutedMacs:P2} | {(double)total.OverheadOps / total.DenseMacs:P2} | {passes[i].Agreement(reference):F1}% |");
            if (i > 0) Assert.True(total.FoldedMaps >= passes[i - 1].Total.FoldedMaps, $"{name}: threshold {Thresholds[i]} folded fewer maps than {Thresholds[i - 1]}");
        }
    }

    /// <summary>One pass at effort 1 with every layer SFMA applies to folding at <paramref name="threshold"/> x its input scale.</summary>
    private static CalibrationPass WithSfma(ModelProto dyve, IReadOnlyDictionary<string, NodeScales> scales, float threshold, CalibrationImages images)
    {
        ModelProto model = dyve.Clone();
        foreach (NodeProto node in SdssNodes.Find(model))
        {
            SdssNodes.SetFloat(node, DyveSchema.InputScale, scales[node.Name].Input);
            SdssNodes.SetFloat(node, DyveSchema.SfmaDelta, threshold);
        }
        using var runner = new EffortRunner(model, $"SFMA at {threshold}", threads: 2);
        return runner.Run(images, effort: 1f);
    }

    /// <summary>C of a one-group node, from its weights (M x C x kH x kW).</summary>
    private static long InputChannels(ModelProto model, string node) =>
        model.Graph.Initializer.Single(t => t.Name == model.Graph.Node.Single(n => n.Name == node).Input[1]).Dims[1];
}
