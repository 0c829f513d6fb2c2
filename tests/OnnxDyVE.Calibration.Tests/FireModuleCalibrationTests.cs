using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// Calibrating SqueezeNet (real weights, real calibration images): each layer gets its own activation scale and its passes
/// measure a fire module's expands one by one. Deep Compression left every 3x3 expand pruned (30%-33% of its weights
/// nonzero): the written model keeps the expands apart where the sparse kernel is the faster (one 512-bit FMA a cycle,
/// SparseWeights.RunApart), else fuses each fire module, its two scales on the one node. SiblingFusionTests has both
/// choices on any machine.
/// </summary>
public sealed class FireModuleCalibrationTests
{
    [Fact]
    public void A_calibrated_squeezenet_gives_each_expand_its_own_scale_apart_or_fused()
    {
        if (RealModel.Load("squeezenet_v1.0_deep_compression") is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, 8, seed: 3);

        // Trials on every layer, each too coarse to keep (SDSS at 64 activation scales changes answers): every layer ends
        // exact, so every fire module could be one node but for its pruned 3x3 where that runs apart.
        var options = new CalibrationOptions(BudgetPercent: 0.5, Threads: 2, Objective: CalibrationObjective.Operations)
        {
            Ladder = [64f], SfmaLadder = [], SpetPrefixes = [],
        };
        CalibrationResult result = Calibrator.Run(model.Dyve, images, options);

        bool apart = SparseWeights.RunApart(WideFmaRate.PerCycle);
        Assert.Equal(apart ? 0 : 8, result.Model.Graph.Node.Count(n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels)));
        float Scale(string name, string attribute) => result.Model.Graph.Node.Single(n => n.Name == name).Attribute.Single(a => a.Name == attribute).F;
        for (int fire = 2; fire <= 9; fire++)
        {
            string pointwiseName = $"fire{fire}/conv1x1_2/Conv", spatialName = $"fire{fire}/conv3x3_2/Conv";
            float pointwise = apart ? Scale(pointwiseName, DyveSchema.ActivationScale) : Scale($"{pointwiseName}+{spatialName}", DyveSchema.PointwiseActivationScale);
            float spatial = Scale(apart ? spatialName : $"{pointwiseName}+{spatialName}", DyveSchema.ActivationScale);
            Assert.True(pointwise > 0 && spatial > 0, $"fire{fire}: scales {pointwise}, {spatial}");
            Assert.NotEqual(pointwise, spatial);
        }
    }
}
