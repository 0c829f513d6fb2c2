using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// Calibrating SqueezeNet (real weights, real calibration images): each layer gets its own activation scale, its passes
/// measure a fire module's expands one by one, and the written model keeps the expands apart, since Deep Compression left
/// every 3x3 expand pruned (30%-33% of its weights nonzero), which the sparse kernel runs faster alone than fused
/// (SparseWeights). SiblingFusionTests has the fused nodes' scales.
/// </summary>
public sealed class FireModuleCalibrationTests
{
    [Fact]
    public void A_calibrated_squeezenet_keeps_its_pruned_expands_apart_each_with_its_own_scale()
    {
        if (RealModel.Load("squeezenet_v1.0_deep_compression") is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, 8, seed: 3);

        // Trials on every layer, each too coarse to keep (SDSS at 64 activation scales changes answers): every layer ends
        // exact, so every fire module could be one node but for its pruned 3x3.
        var options = new CalibrationOptions(BudgetPercent: 0.5, Threads: 2, Objective: CalibrationObjective.Operations)
        {
            Ladder = [64f], SfmaLadder = [], SpetPrefixes = [],
        };
        CalibrationResult result = Calibrator.Run(model.Dyve, images, options);

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels));
        float Scale(string name) => result.Model.Graph.Node.Single(n => n.Name == name).Attribute.Single(a => a.Name == DyveSchema.ActivationScale).F;
        for (int fire = 2; fire <= 9; fire++)
        {
            float pointwise = Scale($"fire{fire}/conv1x1_2/Conv"), spatial = Scale($"fire{fire}/conv3x3_2/Conv");
            Assert.True(pointwise > 0 && spatial > 0, $"fire{fire}: scales {pointwise}, {spatial}");
            Assert.NotEqual(pointwise, spatial);
        }
    }
}
