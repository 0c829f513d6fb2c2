using Onnx;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Kernels;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration;

/// <summary>What calibration minimises within the agreement budget.</summary>
public enum CalibrationObjective
{
    /// <summary>Measured time of the DyVE layers: a mechanism is switched on in a layer only where it makes that layer faster.</summary>
    Time,

    /// <summary>Scalar operations (executed MACs plus the mechanisms' overhead): the paper's metric, whatever the time.</summary>
    Operations,
}

/// <param name="BudgetPercent">
/// Top-1 agreement with the unmodified model may fall to 100 - budget percent, no lower: both the agreement measured
/// on the calibration images and the one their margins make expected on further images (<see cref="MarginAgreement"/>).
/// </param>
public sealed record CalibrationOptions(double BudgetPercent = 0.5, int Threads = 2, CalibrationObjective Objective = CalibrationObjective.Time)
{
    /// <summary>
    /// Least share of a layer's time a step must save to count under <see cref="CalibrationObjective.Time"/>: less
    /// is within the noise of timing one pass over the calibration images.
    /// </summary>
    public const double MinimumTimeGain = 0.03;

    /// <summary>
    /// Calibration images held out while settings are chosen, then used alone to check them
    /// (<see cref="HeldOutCheck"/>): a quarter, the last of the seeded choice.
    /// </summary>
    public static int HeldOutImages(int images) => images / 4;

    /// <summary>
    /// Held-out images it takes to show, at 95% confidence, that a setting loses less than
    /// <paramref name="budgetPercent"/> of agreement when none of their answers changed (the rule of three: a loss
    /// rate of 3 / n or more leaves n images all unchanged less than 5% of the time); null for a budget of 0, which no
    /// sample shows. A budget of 0.5 takes 600: cifar10_full's time calibration, 125 held out, passed a setting that
    /// lost 1.6% beyond its images.
    /// </summary>
    public static int? HeldOutToCertify(double budgetPercent) => budgetPercent > 0 ? (int)Math.Ceiling(300 / budgetPercent) : null;

    /// <summary>Calibration images whose held-out quarter is <see cref="HeldOutToCertify"/>: 2,400 for a budget of 0.5.</summary>
    public static int? ImagesToCertify(double budgetPercent) => HeldOutToCertify(budgetPercent) * 4;

    /// <summary>SDSS thresholds tried for each layer, in units of its activation scale, smallest first.</summary>
    public IReadOnlyList<float> Ladder { get; init; } = [0.0625f, 0.125f, 0.25f, 0.5f, 1f, 2f];

    /// <summary>
    /// SFMA thresholds tried for each layer, in units of its input scale, smallest first: the largest standard
    /// deviation of an input map folded into the bias.
    /// </summary>
    public IReadOnlyList<float> SfmaLadder { get; init; } = [0.0625f, 0.125f, 0.25f, 0.5f, 1f];

    /// <summary>SPET prefixes tried for each layer whose activation saturates (shares of its input channels).</summary>
    public IReadOnlyList<float> SpetPrefixes { get; init; } = [0.25f, 0.5f];

    /// <summary>SPET strengths tried per prefix, smallest first: 0 is exact SPET, 1 stops on the partial sum alone.</summary>
    public IReadOnlyList<float> SpetStrengths { get; init; } = [0f, 0.5f, 0.75f, 1f, 1.25f];

    /// <summary>
    /// The run-time effort the calibrated setting is stored at: the model's default. Thresholds are stored scaled
    /// so that this effort applies the calibrated ones; effort 1 then doubles them (more work skipped than
    /// calibrated, less accurate), lower efforts shrink them to 0 (exact).
    /// </summary>
    public const float CalibratedEffort = 0.5f;

    /// <summary>Efforts the stored frontier is measured at.</summary>
    public static readonly float[] FrontierEfforts = [0f, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 1f];

    public void Validate()
    {
        if (!(BudgetPercent is >= 0 and <= 100)) throw new ArgumentOutOfRangeException(nameof(BudgetPercent), BudgetPercent, "the budget is a percentage in [0, 100]");
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1);
        if (Ladder.Any(d => !(float.IsFinite(d) && d > 0)))
            throw new ArgumentOutOfRangeException(nameof(Ladder), "SDSS thresholds must be positive and finite");
        if (SfmaLadder.Any(d => !(float.IsFinite(d) && d > 0)))
            throw new ArgumentOutOfRangeException(nameof(SfmaLadder), "SFMA thresholds must be positive and finite");
        if (SpetPrefixes.Any(p => !(p > 0 && p < 1)))
            throw new ArgumentOutOfRangeException(nameof(SpetPrefixes), "SPET prefixes must be in (0, 1)");
        if (SpetStrengths.Any(t => !(float.IsFinite(t) && t >= 0)))
            throw new ArgumentOutOfRangeException(nameof(SpetStrengths), "SPET strengths must be finite and not negative");
    }

    /// <summary>
    /// The settings each layer is tried at, in sequences whose accuracy only falls along them: the SDSS ladder, the
    /// SFMA ladder (and again merging pairs, where the layer has candidates), then per prefix the SPET strengths (only
    /// where the layer's activation saturates).
    /// </summary>
    public IEnumerable<IReadOnlyList<LayerSetting>> Sequences(bool saturates, bool hasPairs = false)
    {
        yield return [.. Ladder.Select(d => new LayerSetting(LayerMechanism.Sdss, d))];
        yield return [.. SfmaLadder.Select(d => new LayerSetting(LayerMechanism.Sfma, d))];
        if (hasPairs) yield return [.. SfmaLadder.Select(d => new LayerSetting(LayerMechanism.Sfma, d, MergesPairs: true))];
        if (!saturates) yield break;
        foreach (float prefix in SpetPrefixes)
            yield return [.. SpetStrengths.Select(t => new LayerSetting(LayerMechanism.Spet, t, prefix))];
    }
}

/// <summary>One DyVE node at the calibrated effort.</summary>
/// <param name="Setting">Its mechanism at the calibrated effort (thresholds in units of <paramref name="ActivationScale"/>).</param>
public sealed record LayerChoice(string Node, string Op, float? ActivationScale, LayerSetting Setting, CounterValues Work);

/// <summary>How one layer alone fared at one setting (every other layer exact).</summary>
/// <param name="Saving">
/// What the setting saved against the exact model, in the objective's units (Stopwatch ticks or operations), over the
/// layer and those whose cost it changes (every DyVE node for operations; for time those that read or write their maps
/// otherwise because of it, <see cref="LayerLayouts"/>); and as a share of the layer's own exact cost.
/// </param>
/// <param name="OperationsShare">
/// The share of its exact self's scalar operations the layer did not do. Skipped work is the only source of a speed-up
/// (the work left runs no faster than before, and the mechanism adds its own), so a setting is credited with a time
/// saving only up to this share: a larger one is timing noise.
/// </param>
/// <param name="Agreement">Top-1 agreement measured on the tuning images.</param>
/// <param name="ExpectedAgreement">Top-1 agreement expected on further images (<see cref="MarginAgreement"/>).</param>
public sealed record LayerTrial(string Node, LayerSetting Setting, double Agreement, double ExpectedAgreement, double Saving, double SavingShare, double OperationsShare)
{
    /// <summary>The agreement the step is held to (<see cref="CalibrationPass.CautiousAgreement"/>).</summary>
    public double CautiousAgreement => Math.Min(Agreement, ExpectedAgreement);
}

/// <summary>What calibration chose and measured.</summary>
/// <param name="Model">The calibrated model: thresholds and scales on its nodes, <see cref="CalibrationOptions.CalibratedEffort"/> as its default effort, the frontier in its metadata.</param>
/// <param name="Agreement">On all <paramref name="Images"/>, the held-out ones included.</param>
/// <param name="HeldOutAgreement">On the held-out images alone (all images when none are held out): the measured agreement the settings were not chosen to keep.</param>
/// <param name="ExpectedAgreement">Expected on further images like them (<see cref="MarginAgreement"/>), from the held-out images' losses (all images' when none are held out).</param>
/// <param name="HeldOut">Images not used to choose settings, only to check them (the last of the <paramref name="Images"/>).</param>
/// <param name="Withdrawn">Layers whose chosen setting the check on the held-out images sent back to exact, in that order.</param>
/// <param name="BudgetPercent">The agreement budget calibrated to (<see cref="CalibrationOptions.BudgetPercent"/>).</param>
public sealed record CalibrationResult(ModelProto Model, double Agreement, double ExpectedAgreement, double OpsReduction, IReadOnlyList<LayerChoice> Layers,
    IReadOnlyList<LayerTrial> Trials, IReadOnlyList<FrontierPoint> Frontier, int Images, CalibrationObjective Objective,
    int HeldOut, IReadOnlyList<string> Withdrawn, double BudgetPercent, double HeldOutAgreement)
{
    /// <summary>
    /// Whether the held-out images are enough to show the budget kept beyond them (<see cref="CalibrationOptions.HeldOutToCertify"/>);
    /// otherwise the agreement is an estimate from too few images.
    /// </summary>
    public bool HeldOutCertifiesBudget => CalibrationOptions.HeldOutToCertify(BudgetPercent) is int needed && HeldOut >= needed;
}

/// <summary>Calibration's stages, for progress display.</summary>
public enum CalibrationStage
{
    Reference,
    Scales,
    Pairs,
    LayerTrials,
    Combination,
    HeldOutCheck,
    Frontier,
}

/// <summary>
/// Calibrates a rewritten model's dynamic effort, layer by layer (SDSS's threshold, SFMA's threshold, or SPET's prefix and strength),
/// against top-1 agreement with the unmodified model on calibration images:
/// <list type="number">
/// <item>each layer's activation and input scales (<see cref="ActivationScales"/>), the units of its thresholds, and
/// its candidate pairs of near-equal input maps for SFMA (<see cref="MergedPairCandidates"/>);</item>
/// <item>each layer alone at each setting (<see cref="CalibrationOptions.Sequences"/>): the agreement it keeps and what it saves of the
/// <see cref="CalibrationObjective"/> (measured time by default: a mechanism that skips work but costs more than
/// it skips is not switched on; or scalar operations, the paper's metric);</item>
/// <item>greedily, the (layer, setting) steps that save the most per point of agreement they are expected to cost
/// (<see cref="MarginAgreement"/>), each kept only if the whole model, measured, stays within the budget and the
/// layer saves more than with its setting so far;</item>
/// <item>the check on the held-out quarter (<see cref="HeldOutCheck"/>): layers go back to
/// exact, most damaging first, until the budget holds there;</item>
/// <item>the frontier: the calibrated setting measured at run-time efforts from 0 (exact, with exact SPET where SPET
/// is on) to 1 (twice the thresholds and strengths).</item>
/// </list>
/// Steps 1-3 see only the tuning images (all but <see cref="CalibrationOptions.HeldOutImages"/>), so a choice that
/// fits them by chance meets images it was not made on before it is kept.
/// With <see cref="CalibrationObjective.Operations"/> deterministic for given images (every decision is a count
/// over the same images); with <see cref="CalibrationObjective.Time"/> the decisions rest on timings too.
/// </summary>
public static class Calibrator
{
    /// <summary>
    /// Expected agreement lost (percent) below which a step is taken to cost nothing: the floor of the denominator
    /// when steps are ranked by saving per point of agreement, finer than 500 images resolve (100 / 500^2).
    /// </summary>
    private const double NegligibleLoss = 1e-4;

    /// <param name="model">A rewritten model (DyVE operators, effort input); not modified.</param>
    /// <param name="progress">Stage, passes (or images) done, and their total.</param>
    public static CalibrationResult Run(ModelProto model, CalibrationImages images, CalibrationOptions options,
        Action<CalibrationStage, int, int>? progress = null)
    {
        options.Validate();
        if (!model.Graph.Input.Any(i => i.Name == EffortInput.Name))
            throw new ArgumentException($"the model has no effort input '{EffortInput.Name}': rewrite it with `dyve rewrite` first");
        // Calibration reads and sets nodes' tensors and thresholds in ONNX's layout; the nodes it leaves exact get the
        // blocked layout back at the end.
        model = BlockedLayout.Remove(model);

        CalibrationPass reference;
        using (var stock = new EffortRunner(StockRestorer.Restore(model), "the unmodified model", options.Threads))
            reference = stock.Run(images, effort: null, ImageProgress(progress, CalibrationStage.Reference, images.Count));
        // Everything up to the held-out check sees only the tuning images; the check expects agreement from the
        // held-out images' losses (all images' when there are too few to hold any out).
        CalibrationImages tuning = images.Take(images.Count - CalibrationOptions.HeldOutImages(images.Count));
        int heldOutLosses = tuning.Count < images.Count ? tuning.Count : 0;

        IReadOnlyDictionary<string, NodeScales> scales = ActivationScales.Measure(model, tuning, options.Threads,
            ImageProgress(progress, CalibrationStage.Scales, tuning.Count));
        ModelProto scaled = model.Clone();
        List<string> layers = SdssNodes.Find(scaled).Select(n => n.Name).ToList();
        foreach (NodeProto node in SdssNodes.Find(scaled))
        {
            SdssNodes.SetFloat(node, DyveSchema.ActivationScale, scales[node.Name].Activation);
            SdssNodes.SetFloat(node, DyveSchema.InputScale, scales[node.Name].Input);
        }

        IReadOnlyDictionary<string, IReadOnlyList<MapPair>> pairs = MergedPairCandidates.Find(scaled, tuning, options.Threads,
            progress: ImageProgress(progress, CalibrationStage.Pairs, tuning.Count));
        double floor = 100 - options.BudgetPercent;
        var exact = layers.ToDictionary(l => l, _ => LayerSetting.Exact);
        // The exact model twice: each layer's cost is the lower of the two, so one slow pass does not make every
        // trial look like a saving.
        (CalibrationPass first, IReadOnlyDictionary<string, string> exactLayouts) = Measure(scaled, pairs, exact, tuning, options, 1f, reference);
        CalibrationPass second = Measure(scaled, pairs, exact, tuning, options, 1f, reference).Pass;
        var exactCost = first.Layers.ToDictionary(l => l.Node, l => Math.Min(Cost(first, l.Node, options.Objective), Cost(second, l.Node, options.Objective)));
        double minimumShare = options.Objective == CalibrationObjective.Time ? CalibrationOptions.MinimumTimeGain : 0;

        // Each layer alone, each sequence of settings in order until agreement falls below the floor.
        var sequences = layers.ToDictionary(l => l, l => options.Sequences(SdssNodes.Saturates(scaled.Graph.Node.First(n => n.Name == l)), pairs[l].Count > 0).ToList());
        var trials = new List<LayerTrial>();
        int trialsDone = 0, trialsTotal = sequences.Values.Sum(s => s.Sum(q => q.Count));
        foreach (string layer in layers)
            foreach (IReadOnlyList<LayerSetting> sequence in sequences[layer])
            {
                int left = sequence.Count;
                foreach (LayerSetting setting in sequence)
                {
                    (CalibrationPass pass, IReadOnlyDictionary<string, string> layouts) = Measure(scaled, pairs,
                        new Dictionary<string, LayerSetting>(exact) { [layer] = setting }, tuning, options, effort: 1f, reference);
                    progress?.Invoke(CalibrationStage.LayerTrials, ++trialsDone, trialsTotal);
                    left--;
                    IReadOnlyCollection<string> counted = Counted(layer, exactLayouts, layouts, pass, options.Objective);
                    double saving = counted.Sum(l => exactCost[l]) - Cost(pass, counted, options.Objective);
                    double exactOperations = Cost(first, layer, CalibrationObjective.Operations);
                    double operationsShare = exactOperations == 0 ? 0 : 1 - Cost(pass, layer, CalibrationObjective.Operations) / exactOperations;
                    var trial = new LayerTrial(layer, setting, pass.Agreement(reference), pass.ExpectedAgreement(reference),
                        saving, exactCost[layer] == 0 ? 0 : saving / exactCost[layer], operationsShare);
                    trials.Add(trial);
                    if (trial.CautiousAgreement < floor) break;
                }
                trialsDone += left;
            }

        // Greedy combination: the best saving per point of agreement expected to be lost first; a step is kept only
        // if the whole model, measured, stays within the budget and the layers it changes (Counted) cost less than
        // before it; a refused step rules its layer out.
        var chosen = new Dictionary<string, LayerSetting>(exact);
        var chosenTrial = new Dictionary<string, LayerTrial>();
        var ruledOut = new HashSet<string>();
        CalibrationPass current = first;
        IReadOnlyDictionary<string, string> currentLayouts = exactLayouts;
        int combined = 0;
        var candidates = trials.Where(t => t.CautiousAgreement >= floor && t.Saving > 0 && t.SavingShare > minimumShare && t.OperationsShare > minimumShare)
            .OrderByDescending(t => t.Saving / (100 - t.ExpectedAgreement + NegligibleLoss)).ToList();
        foreach (LayerTrial step in candidates)
        {
            progress?.Invoke(CalibrationStage.Combination, ++combined, candidates.Count);
            if (ruledOut.Contains(step.Node) || step.Saving <= (chosenTrial.TryGetValue(step.Node, out LayerTrial? before) ? before.Saving : 0)) continue;
            var trial = new Dictionary<string, LayerSetting>(chosen) { [step.Node] = step.Setting };
            (CalibrationPass pass, IReadOnlyDictionary<string, string> layouts) = Measure(scaled, pairs, trial, tuning, options, effort: 1f, reference);
            double own = before is null ? exactCost[step.Node] : Cost(current, step.Node, options.Objective);
            IReadOnlyCollection<string> counted = Counted(step.Node, currentLayouts, layouts, pass, options.Objective);
            double cost = counted.Sum(l => l == step.Node ? own : Cost(current, l, options.Objective));
            if (pass.CautiousAgreement(reference) >= floor && cost - Cost(pass, counted, options.Objective) > own * minimumShare)
            {
                chosen = trial;
                chosenTrial[step.Node] = step;
                current = pass;
                currentLayouts = layouts;
            }
            else
            {
                ruledOut.Add(step.Node);
            }
        }

        // The check on the held-out images, meeting the choice for the first time: their answers measured and agreement
        // expected from their losses alone (the tuning images' are what was fitted). The pass runs every image, the
        // reference's order.
        int checks = 0, mostChecks = chosenTrial.Count + 1;
        IReadOnlyList<string> withdrawn = tuning.Count == images.Count ? [] : HeldOutCheck.Enforce(chosen,
            chosenTrial.ToDictionary(t => t.Key, t => 100 - t.Value.ExpectedAgreement), settings =>
            {
                progress?.Invoke(CalibrationStage.HeldOutCheck, ++checks, mostChecks);
                return Measure(scaled, pairs, settings, images, options, effort: 1f, reference).Pass.CautiousAgreement(reference, heldOutLosses) >= floor;
            });

        // The calibrated model: thresholds stored so that the default effort applies the chosen ones.
        ModelProto tuned = BlockedLayout.Apply(WithSettings(scaled, pairs, chosen, 1 / CalibrationOptions.CalibratedEffort), out _);
        EffortInput.SetDefault(tuned, CalibrationOptions.CalibratedEffort);
        var frontier = new List<FrontierPoint>();
        CalibrationPass? calibrated = null;
        using (var runner = new EffortRunner(tuned, "the calibrated model", options.Threads))
        {
            int done = 0;
            foreach (float effort in CalibrationOptions.FrontierEfforts)
            {
                CalibrationPass pass = runner.Run(images, effort, reference: reference);
                progress?.Invoke(CalibrationStage.Frontier, ++done, CalibrationOptions.FrontierEfforts.Length);
                frontier.Add(new FrontierPoint(effort, pass.Agreement(reference), pass.Total.OpsReduction));
                if (effort == CalibrationOptions.CalibratedEffort) calibrated = pass;
            }
        }
        EffortFrontier.Write(tuned, frontier);

        var choices = calibrated!.Layers.Select(l =>
        {
            NodeProto node = tuned.Graph.Node.First(n => n.Name == l.Node);
            return new LayerChoice(l.Node, l.Op, SdssNodes.GetFloat(node, DyveSchema.ActivationScale), chosen.GetValueOrDefault(l.Node), l.Counters);
        }).ToList();
        return new CalibrationResult(tuned, calibrated.Agreement(reference), calibrated.ExpectedAgreement(reference, heldOutLosses),
            calibrated.Total.OpsReduction, choices, trials, frontier,
            images.Count, options.Objective, images.Count - tuning.Count, withdrawn, options.BudgetPercent, calibrated.Agreement(reference, heldOutLosses));
    }

    /// <summary>A layer's cost in a pass, in the objective's units.</summary>
    private static double Cost(CalibrationPass pass, string layer, CalibrationObjective objective)
    {
        CounterValues work = pass.Layers.First(l => l.Node == layer).Counters;
        return objective == CalibrationObjective.Time ? work.RunTicks : work.ExecutedMacs + work.OverheadOps;
    }

    /// <summary>Layers' costs summed, in the objective's units.</summary>
    private static double Cost(CalibrationPass pass, IEnumerable<string> layers, CalibrationObjective objective) =>
        layers.Sum(l => Cost(pass, l, objective));

    /// <summary>
    /// The layers whose cost a step on <paramref name="layer"/> is charged with, from a model whose layers read and write
    /// their maps as <paramref name="before"/> says to the step's <paramref name="pass"/>: for operations every DyVE node
    /// (a step changes the work of the layers after it too, and counts are exact); for time the layer and those that read
    /// or write their maps otherwise after the step (<see cref="LayerLayouts"/>), since timing every layer would
    /// charge the step with every layer's noise.
    /// </summary>
    private static IReadOnlyCollection<string> Counted(string layer, IReadOnlyDictionary<string, string> before,
        IReadOnlyDictionary<string, string> after, CalibrationPass pass, CalibrationObjective objective) =>
        objective == CalibrationObjective.Operations
            ? pass.Layers.Select(l => l.Node).ToList()
            : LayerLayouts.Changed(before, after).Append(layer).Distinct().ToList();

    /// <summary>
    /// One pass over the images with these settings (a session of its own), at <paramref name="effort"/> (1: as given),
    /// keeping the leads of <paramref name="reference"/>'s top classes; and how the model's layers read and write their maps.
    /// </summary>
    private static (CalibrationPass Pass, IReadOnlyDictionary<string, string> Layouts) Measure(ModelProto scaled, IReadOnlyDictionary<string, IReadOnlyList<MapPair>> pairs,
        IReadOnlyDictionary<string, LayerSetting> settings, CalibrationImages images, CalibrationOptions options, float effort, CalibrationPass reference)
    {
        // Exact layers blocked, as the written model will run them: a mechanism must beat the kernel it replaces there.
        // A fire module's expands stay two nodes, each with its own cost (the written model fuses those left exact).
        ModelProto deployed = BlockedLayout.Apply(WithSettings(scaled, pairs, settings, 1f), out _, fuseSiblings: false);
        using var runner = new EffortRunner(deployed, "the model being calibrated", options.Threads);
        return (runner.Run(images, effort, reference: reference), LayerLayouts.Of(deployed));
    }

    /// <summary>
    /// The settings written on their nodes, thresholds and strengths times <paramref name="factor"/> (what effort 1 applies),
    /// with the layer's candidate <paramref name="pairs"/> where its SFMA setting merges them.
    /// </summary>
    private static ModelProto WithSettings(ModelProto scaled, IReadOnlyDictionary<string, IReadOnlyList<MapPair>> pairs,
        IReadOnlyDictionary<string, LayerSetting> settings, float factor)
    {
        ModelProto model = scaled.Clone();
        foreach (NodeProto node in SdssNodes.Find(model))
        {
            if (!settings.TryGetValue(node.Name, out LayerSetting setting)) continue;
            switch (setting.Mechanism)
            {
                case LayerMechanism.Sdss:
                    SdssNodes.SetFloat(node, DyveSchema.SdssDelta, setting.Value * factor);
                    break;
                case LayerMechanism.Spet:
                    SdssNodes.SetFloat(node, DyveSchema.SpetPrefix, setting.Prefix);
                    SdssNodes.SetFloat(node, DyveSchema.SpetDelta, setting.Value * factor);
                    break;
                case LayerMechanism.Sfma:
                    SdssNodes.SetFloat(node, DyveSchema.SfmaDelta, setting.Value * factor);
                    if (setting.MergesPairs) SdssNodes.SetInts(node, DyveSchema.SfmaPairs, MergedPairCandidates.Flatten(pairs[node.Name]));
                    break;
            }
        }
        return model;
    }

    private static IProgress<int>? ImageProgress(Action<CalibrationStage, int, int>? report, CalibrationStage stage, int total) =>
        report is null ? null : new SynchronousProgress(done => report(stage, done, total));

    /// <summary>Reports on the calling thread at once (Progress&lt;T&gt; posts to a synchronization context).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
