using Onnx;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration;

/// <param name="BudgetPercent">Top-1 agreement with the unmodified model may fall to 100 - budget percent, no lower.</param>
/// <param name="Delta">Every SDSS node's threshold at effort 1, in units of its activation scale.</param>
/// <param name="SearchSteps">Bisection steps over the effort (the answer is within 2^-steps of the largest effort found to meet the budget).</param>
public sealed record CalibrationOptions(double BudgetPercent = 0.5, float Delta = 1f, int Threads = 2, int SearchSteps = 7)
{
    public void Validate()
    {
        if (!(BudgetPercent is >= 0 and <= 100)) throw new ArgumentOutOfRangeException(nameof(BudgetPercent), BudgetPercent, "the budget is a percentage in [0, 100]");
        if (!(float.IsFinite(Delta) && Delta > 0)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "delta must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(SearchSteps);
    }
}

/// <summary>One DyVE node at the chosen effort.</summary>
public sealed record LayerChoice(string Node, string Op, float? ActivationScale, float? Delta, long DenseMacs, long ExecutedMacs, long OverheadOps, long Outputs, long ApproximatedOutputs)
{
    public double OpsReduction => ExecutedMacs + OverheadOps == 0 ? 1 : (double)DenseMacs / (ExecutedMacs + OverheadOps);
}

/// <summary>What calibration chose and measured.</summary>
/// <param name="Model">The calibrated model: thresholds and scales on its nodes, the chosen effort as its default, the frontier in its metadata.</param>
public sealed record CalibrationResult(ModelProto Model, float Effort, double Agreement, double OpsReduction,
    IReadOnlyList<LayerChoice> Layers, IReadOnlyList<FrontierPoint> Frontier, int Images);

/// <summary>Calibration's stages, for progress display.</summary>
public enum CalibrationStage
{
    Reference,
    Scales,
    Search,
}

/// <summary>
/// Calibrates a rewritten model: measures each SDSS layer's activation scale, sets its threshold to
/// <see cref="CalibrationOptions.Delta"/> of that scale at effort 1, then finds by bisection the largest run-time
/// effort whose top-1 agreement with the unmodified model on the calibration images stays within the budget.
/// One effort for the whole model, with thresholds in each layer's own units, so that a service can move the
/// effort at run time along the frontier measured here.
/// </summary>
public static class Calibrator
{
    /// <param name="model">A rewritten model (DyVE operators, effort input); not modified.</param>
    /// <param name="progress">Images done in each stage.</param>
    public static CalibrationResult Run(ModelProto model, CalibrationImages images, CalibrationOptions options,
        Action<CalibrationStage, int>? progress = null)
    {
        options.Validate();
        if (!model.Graph.Input.Any(i => i.Name == EffortInput.Name))
            throw new ArgumentException($"the model has no effort input '{EffortInput.Name}': rewrite it with `dyve rewrite` first");

        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(StockRestorer.Restore(model), "the unmodified model", options.Threads))
            reference = stock.Run(images, effort: null, Progress(progress, CalibrationStage.Reference)).Predictions;

        IReadOnlyDictionary<string, float> scales = ActivationScales.Measure(model, images, options.Threads, Progress(progress, CalibrationStage.Scales));
        ModelProto tuned = model.Clone();
        foreach (NodeProto node in SdssNodes.Find(tuned))
        {
            SdssNodes.SetFloat(node, DyveSchema.ActivationScale, scales[node.Name]);
            SdssNodes.SetFloat(node, DyveSchema.SdssDelta, options.Delta);
        }
        // Searched with the default at 0; the chosen effort becomes the default afterwards.
        EffortInput.SetDefault(tuned, 0f);

        var frontier = new List<FrontierPoint>();
        CalibrationPass best;
        using (var runner = new EffortRunner(tuned, "the model being calibrated", options.Threads))
        {
            int pass = 0;
            CalibrationPass Measure(float effort)
            {
                CalibrationPass result = runner.Run(images, effort, Progress(progress, CalibrationStage.Search, pass++ * images.Count));
                frontier.Add(new FrontierPoint(effort, result.Agreement(reference), result.OpsReduction));
                return result;
            }

            double floor = 100 - options.BudgetPercent;
            best = Measure(0f);
            CalibrationPass top = Measure(1f);
            if (top.Agreement(reference) >= floor)
            {
                best = top;
            }
            else
            {
                float low = 0f, high = 1f;
                for (int step = 0; step < options.SearchSteps; step++)
                {
                    float middle = (low + high) / 2;
                    CalibrationPass trial = Measure(middle);
                    if (trial.Agreement(reference) >= floor)
                    {
                        low = middle;
                        best = trial;
                    }
                    else
                    {
                        high = middle;
                    }
                }
            }
        }

        float effort = best.Effort ?? 0f;
        EffortInput.SetDefault(tuned, effort);
        EffortFrontier.Write(tuned, frontier);
        var layers = best.Layers.Select(l =>
        {
            NodeProto node = tuned.Graph.Node.First(n => n.Name == l.Node);
            return new LayerChoice(l.Node, l.Op, SdssNodes.GetFloat(node, DyveSchema.ActivationScale), SdssNodes.GetFloat(node, DyveSchema.SdssDelta),
                l.Counters.DenseMacs, l.Counters.ExecutedMacs, l.Counters.OverheadOps, l.Counters.Outputs, l.Counters.ApproximatedOutputs);
        }).ToList();
        return new CalibrationResult(tuned, effort, best.Agreement(reference), best.OpsReduction, layers,
            frontier.OrderBy(p => p.Effort).ToList(), images.Count);
    }

    private static IProgress<int>? Progress(Action<CalibrationStage, int>? report, CalibrationStage stage, int offset = 0) =>
        report is null ? null : new SynchronousProgress(done => report(stage, offset + done));

    /// <summary>Reports on the calling thread at once (Progress&lt;T&gt; posts to a synchronization context).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
