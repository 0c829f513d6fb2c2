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
        if (Measured.Load(name, count) is not var (model, images, reference, scales, exact)) return;

        output.WriteLine($"{name}, {count} calibration images; per layer: input maps left out (zero or near-uniform) / folded (near-uniform, not zero), per threshold x input scale");
        var passes = Thresholds.Select(threshold => WithSfma(model.Dyve, scales, threshold, images)).ToList();
        output.WriteLine($"| layer | input channels | input scale | {string.Join(" | ", Thresholds.Select(t => $"{t:G3}"))} |");
        output.WriteLine($"|---|--:|--:|{string.Concat(Thresholds.Select(_ => "--:|"))}");
        ModelProto planar = BlockedLayout.Remove(model.Dyve);
        foreach (string layer in scales.Keys)
        {
            long maps = (long)count * InputChannels(planar, layer);
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

    private static readonly float[] PairThresholds = [0.0625f, 0.125f, 0.25f, 0.5f];

    /// <summary>
    /// SFMA's merged pairs: candidates found on the calibration images (<see cref="MergedPairCandidates"/>), then every
    /// layer at one threshold with and without them. Prints per layer the candidates' differences (in units of the input
    /// scale) and the pairs merged per image, and for the model the MACs executed against the exact run and the top-1
    /// agreement, with and without pairs. Checks only what must hold: pairs merge only where a layer has candidates, at
    /// most all of them per image. (Whether merging executes less than folding alone holds per layer on the same input
    /// only; a pass changes the inputs of the layers after the first it merges in.)
    /// </summary>
    [Theory]
    [InlineData("cifar10_quick", 500)]
    [InlineData("squeezenet_v1.0_deep_compression", 60)]
    public void Near_equal_pairs_are_found_and_merged(string name, int count)
    {
        if (Measured.Load(name, count) is not var (model, images, reference, scales, exact)) return;
        IReadOnlyDictionary<string, IReadOnlyList<MapPair>> candidates = MergedPairCandidates.Find(model.Dyve, images, threads: 2);

        output.WriteLine($"{name}, {count} calibration images; candidates: median RMS difference (x input scale) where mergeable");
        foreach (string layer in scales.Keys)
            output.WriteLine($"{layer}: {string.Join(", ", candidates[layer].Select(p => $"({p.First}, {p.Second}) {p.Difference / scales[layer].Input:G3}"))}");
        var folding = PairThresholds.Select(t => WithSfma(model.Dyve, scales, t, images)).ToList();
        var merging = PairThresholds.Select(t => WithSfma(model.Dyve, scales, t, images, candidates)).ToList();
        // A merged pair leaves one of the layer's C input maps out of K: merged pairs / C is the share of its MACs saved.
        output.WriteLine($"| layer | input channels | pairs | {string.Join(" | ", PairThresholds.Select(t => $"{t:G3}: merged/image, share of K"))} |");
        output.WriteLine($"|---|--:|--:|{string.Concat(PairThresholds.Select(_ => "--:|"))}");
        ModelProto planar = BlockedLayout.Remove(model.Dyve);
        foreach (string layer in scales.Keys)
        {
            long maps = (long)count * InputChannels(planar, layer);
            var cells = merging.Select(pass => pass.Layers.Single(l => l.Node == layer).Counters)
                .Select(c => $"{(double)c.MergedPairs / count:F2}, {(double)c.MergedPairs / maps:P1}");
            output.WriteLine($"| {layer} | {maps / count} | {candidates[layer].Count} | {string.Join(" | ", cells)} |");
            foreach (CalibrationPass pass in merging)
                Assert.InRange(pass.Layers.Single(l => l.Node == layer).Counters.MergedPairs, 0, (long)count * candidates[layer].Count);
        }
        output.WriteLine("| threshold | MACs / exact run's, folding | with pairs | overhead / dense, with pairs | top-1 agreement, folding | with pairs |");
        output.WriteLine("|--:|--:|--:|--:|--:|--:|");
        for (int i = 0; i < PairThresholds.Length; i++)
        {
            CounterValues fold = folding[i].Total, merge = merging[i].Total;
            output.WriteLine($"| {PairThresholds[i]:G3} | {(double)fold.ExecutedMacs / exact.Total.ExecutedMacs:P2} | {(double)merge.ExecutedMacs / exact.Total.ExecutedMacs:P2} | "
                + $"{(double)merge.OverheadOps / merge.DenseMacs:P2} | {folding[i].Agreement(reference):F1}% | {merging[i].Agreement(reference):F1}% |");
        }
    }

    /// <summary>
    /// One pass at effort 1 with every layer SFMA applies to folding at <paramref name="threshold"/> x its input scale
    /// (and merging its candidate <paramref name="pairs"/>, where it has any).
    /// </summary>
    private static CalibrationPass WithSfma(ModelProto dyve, IReadOnlyDictionary<string, NodeScales> scales, float threshold, CalibrationImages images,
        IReadOnlyDictionary<string, IReadOnlyList<MapPair>>? pairs = null)
    {
        // Planar: SFMA does not run on blocked maps.
        ModelProto model = BlockedLayout.Remove(dyve);
        foreach (NodeProto node in SdssNodes.Find(model))
        {
            SdssNodes.SetFloat(node, DyveSchema.InputScale, scales[node.Name].Input);
            SdssNodes.SetFloat(node, DyveSchema.SfmaDelta, threshold);
            if (pairs is not null && pairs[node.Name].Count > 0)
                SdssNodes.SetInts(node, DyveSchema.SfmaPairs, MergedPairCandidates.Flatten(pairs[node.Name]));
        }
        using var runner = new EffortRunner(model, $"SFMA at {threshold}", threads: 2);
        return runner.Run(images, effort: 1f);
    }

    /// <summary>
    /// A model on <c>count</c> of its calibration images: the original's predictions, the layers' scales, and the
    /// rewritten model's exact pass (effort 0, which already skips zero maps where the input is copied).
    /// </summary>
    private sealed record Measured(RealModel Model, CalibrationImages Images, IReadOnlyList<int> Reference,
        IReadOnlyDictionary<string, NodeScales> Scales, CalibrationPass Exact)
    {
        public static Measured? Load(string name, int count)
        {
            if (RealModel.Load(name) is not { } model) return null;
            CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, count, seed: 4);
            using var stock = new EffortRunner(model.Stock, "stock", threads: 2);
            using var exact = new EffortRunner(model.Dyve, "exact", threads: 2);
            return new Measured(model, images, stock.Run(images, effort: null).Predictions, ActivationScales.Measure(model.Dyve, images, threads: 2),
                exact.Run(images, effort: 0f));
        }
    }

    /// <summary>C of a one-group node of a planar model (its fire modules' expands two nodes), from its weights (M x C x kH x kW).</summary>
    private static long InputChannels(ModelProto model, string node) =>
        model.Graph.Initializer.Single(t => t.Name == model.Graph.Node.Single(n => n.Name == node).Input[1]).Dims[1];
}
