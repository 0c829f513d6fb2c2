using Google.Protobuf;
using Onnx;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="Calibrator"/> on cifar10_quick and real CIFAR-10 calibration images: the budget holds, in the
/// written model too; effort moves along a measured frontier whose work never grows with less effort;
/// the same seed gives the same model. Calibrated for operations, whose counts (unlike timings) are deterministic.
/// </summary>
public sealed class CalibratorTests
{
    private const int Images = 120;
    private static readonly Lazy<(RealModel Model, CalibrationImages Images, CalibrationResult Result)?> s_calibrated = new(() =>
    {
        RealModel? model = RealModel.Load("cifar10_quick");
        if (model is null) return null;
        CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, Images, seed: 5);
        return (model, images, Calibrator.Run(model.Dyve, images, new CalibrationOptions(BudgetPercent: 1.0, Threads: 2, Objective: CalibrationObjective.Operations)));
    });

    [Fact]
    public void The_calibrated_model_keeps_the_budget_when_written_and_read_back()
    {
        if (s_calibrated.Value is not { } c) return;
        Assert.True(c.Result.Agreement >= 99.0, $"agreement {c.Result.Agreement}%");
        ModelProto written = ModelFile.Parse(c.Result.Model.ToByteArray(), "calibrated");
        Assert.Equal(CalibrationOptions.CalibratedEffort, EffortInput.Default(written));

        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(c.Model.Stock, "stock", threads: 1))
            reference = stock.Run(c.Images, effort: null).Predictions;
        // Run at the model's own default (nothing fed): the stored thresholds and scales alone give the agreement.
        using var tuned = new EffortRunner(written, "calibrated", threads: 1);
        CalibrationPass atDefault = tuned.Run(c.Images, effort: null);
        Assert.Equal(c.Result.Agreement, atDefault.Agreement(reference));
        Assert.Equal(c.Result.OpsReduction, atDefault.Total.OpsReduction, 9);
        int firstHeldOut = Images - c.Result.HeldOut;
        Assert.Equal(c.Result.HeldOutAgreement, TopKAccuracy.Agreement(atDefault.Predictions.Skip(firstHeldOut).ToArray(), reference.Skip(firstHeldOut).ToArray()));
        Assert.Equal(c.Result.Frontier, EffortFrontier.Read(written));
    }

    [Fact]
    public void A_quarter_of_the_images_is_held_out_and_the_budget_holds_on_them_and_on_all()
    {
        if (s_calibrated.Value is not { } c) return;
        Assert.Equal(Images / 4, c.Result.HeldOut);
        Assert.Equal(Images, c.Result.Images);
        // The agreement reported (and checked in the test above on every image) is within the budget;
        // anything withdrawn is exact in the model.
        Assert.True(c.Result.Agreement >= 99.0, $"agreement {c.Result.Agreement}% on all {Images} images");
        foreach (string layer in c.Result.Withdrawn)
            Assert.Equal(LayerSetting.Exact, c.Result.Layers.Single(l => l.Node == layer).Setting);
        // Every trial is held to the agreement its margins make expected too, which small damage on a few images moves first.
        Assert.All(c.Result.Trials, t => Assert.InRange(t.ExpectedAgreement, 0, 100));
        Assert.Contains(c.Result.Trials, t => t.ExpectedAgreement < t.Agreement);
        Assert.InRange(c.Result.ExpectedAgreement, 99.0, 100);
        // The check held the settings to the held-out images' own answers.
        Assert.True(c.Result.HeldOutAgreement >= 99.0, $"agreement {c.Result.HeldOutAgreement}% on the {c.Result.HeldOut} held out");
        // Thirty held out cannot show a 1% budget kept (that takes 300): the report says so.
        Assert.Equal(1.0, c.Result.BudgetPercent);
        Assert.False(c.Result.HeldOutCertifiesBudget);
    }

    /// <summary>The rule of three: n unchanged answers show a loss below 3 / n at 95% confidence.</summary>
    [Theory]
    [InlineData(0.5, 600)]
    [InlineData(1.0, 300)]
    [InlineData(3.0, 100)]
    [InlineData(100.0, 3)]
    [InlineData(0.7, 429)]
    public void Held_out_images_to_certify_a_budget(double budget, int needed)
    {
        Assert.Equal(needed, CalibrationOptions.HeldOutToCertify(budget));
        Assert.Equal(needed, CalibrationOptions.HeldOutImages(CalibrationOptions.ImagesToCertify(budget)!.Value));
    }

    [Fact]
    public void No_number_of_images_certifies_a_budget_of_zero()
    {
        Assert.Null(CalibrationOptions.HeldOutToCertify(0));
        Assert.Null(CalibrationOptions.ImagesToCertify(0));
    }

    /// <summary>
    /// A layer's mechanism never executes more MACs at more effort. The whole model's work may move by a fraction of a
    /// percent either way: the layers after an approximated one leave out the zero inputs they receive (exact, tile by
    /// tile), and approximated values are zero at other places (cifar10_quick on these images: 1.0715x fewer operations
    /// at effort 0, 1.0703x at 0.125, SFMA on conv1 and conv3's lists after it).
    /// </summary>
    [Fact]
    public void Work_never_grows_with_effort_in_the_layers_it_approximates_and_effort_zero_is_exact()
    {
        if (s_calibrated.Value is not { } c) return;
        IReadOnlyList<FrontierPoint> frontier = c.Result.Frontier;
        Assert.Equal(CalibrationOptions.FrontierEfforts, frontier.Select(p => p.Effort));
        var approximated = c.Result.Layers.Where(l => l.Setting.Mechanism != LayerMechanism.Exact).Select(l => l.Node).ToHashSet();
        Assert.NotEmpty(approximated);
        using var runner = new EffortRunner(c.Result.Model, "calibrated", threads: 2);
        Dictionary<string, long>? before = null;
        foreach (float effort in CalibrationOptions.FrontierEfforts)
        {
            Dictionary<string, long> work = runner.Run(c.Images, effort).Layers.Where(l => approximated.Contains(l.Node))
                .ToDictionary(l => l.Node, l => l.Counters.ExecutedMacs);
            foreach ((string node, long macs) in work)
                Assert.True(before is null || macs <= before[node], $"{node} at effort {effort}: {macs} MACs, {before?[node]} at less effort");
            before = work;
        }
        for (int i = 1; i < frontier.Count; i++)
            Assert.True(frontier[i].OpsReduction >= frontier[i - 1].OpsReduction * 0.995,
                $"effort {frontier[i].Effort} did {frontier[i].OpsReduction:F4}x fewer ops, effort {frontier[i - 1].Effort} {frontier[i - 1].OpsReduction:F4}x");
        Assert.Equal(100, frontier[0].Agreement);
    }

    [Fact]
    public void Settings_are_set_only_on_layers_their_mechanism_applies_to_and_stay_within_the_ladders()
    {
        if (s_calibrated.Value is not { } c) return;
        var options = new CalibrationOptions();
        foreach (NodeProto node in c.Result.Model.Graph.Node.Where(n => n.OpType == DyveSchema.ConvOp))
        {
            Assert.NotNull(SdssNodes.GetFloat(node, DyveSchema.ActivationScale));
            if (SdssNodes.GetFloat(node, DyveSchema.SdssDelta) is { } stored)
                Assert.Contains(stored * CalibrationOptions.CalibratedEffort, options.Ladder);
            if (SdssNodes.GetFloat(node, DyveSchema.SpetPrefix) is { } prefix)
            {
                Assert.True(SdssNodes.Saturates(node), node.Name);
                Assert.Null(SdssNodes.GetFloat(node, DyveSchema.SdssDelta));
                Assert.Contains(prefix, options.SpetPrefixes);
                Assert.Contains(SdssNodes.GetFloat(node, DyveSchema.SpetDelta)!.Value * CalibrationOptions.CalibratedEffort, options.SpetStrengths);
            }
            if (SdssNodes.GetFloat(node, DyveSchema.SfmaDelta) is { } sfma)
            {
                Assert.NotNull(SdssNodes.GetFloat(node, DyveSchema.InputScale));
                Assert.Null(SdssNodes.GetFloat(node, DyveSchema.SdssDelta));
                Assert.Null(SdssNodes.GetFloat(node, DyveSchema.SpetPrefix));
                Assert.Contains(sfma * CalibrationOptions.CalibratedEffort, options.SfmaLadder);
            }
            if (node.Attribute.Any(a => a.Name == DyveSchema.SfmaPairs))
                Assert.NotNull(SdssNodes.GetFloat(node, DyveSchema.SfmaDelta));
        }
        Assert.All(c.Result.Layers.Where(l => l.Op == DyveSchema.GemmOp), l => Assert.Null(l.ActivationScale));
    }

    [Fact]
    public void The_same_seed_calibrates_the_same_model()
    {
        if (s_calibrated.Value is not { } c) return;
        CalibrationImages again = CalibrationImages.Load(c.Model.CalibrationFolder, c.Model.Preprocessing, Images, seed: 5);
        Assert.Equal(c.Images.Paths, again.Paths);
        CalibrationResult repeat = Calibrator.Run(c.Model.Dyve, again, new CalibrationOptions(BudgetPercent: 1.0, Threads: 1, Objective: CalibrationObjective.Operations));
        Assert.Equal(c.Result.Model, repeat.Model);
    }

    [Fact]
    public void A_model_without_an_effort_input_is_refused()
    {
        if (s_calibrated.Value is not { } c) return;
        var error = Assert.Throws<ArgumentException>(() => Calibrator.Run(c.Model.Stock, c.Images, new CalibrationOptions()));
        Assert.Contains(EffortInput.Name, error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(double.NaN)]
    public void A_budget_outside_zero_to_a_hundred_is_refused(double budget) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CalibrationOptions(budget).Validate());
}
