using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// Calibrating SqueezeNet (real weights, real calibration images): each layer gets its own activation scale, its passes
/// measure a fire module's expands one by one, and the written model still runs every fire module whose expands stayed
/// exact as one node, which gives each expand its own scale back when taken apart.
/// </summary>
public sealed class FireModuleCalibrationTests
{
    [Fact]
    public void A_calibrated_squeezenet_keeps_its_fire_modules_as_one_node_each()
    {
        if (RealModel.Load("squeezenet_v1.0_deep_compression") is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.CalibrationFolder, model.Preprocessing, 8, seed: 3);

        // Trials on every layer, each too coarse to keep (SDSS at 64 activation scales changes answers): every layer ends
        // exact, so every fire module can be one node.
        var options = new CalibrationOptions(BudgetPercent: 0.5, Threads: 2, Objective: CalibrationObjective.Operations)
        {
            Ladder = [64f], SfmaLadder = [], SpetPrefixes = [],
        };
        CalibrationResult result = Calibrator.Run(model.Dyve, images, options);

        var fused = result.Model.Graph.Node.Where(n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels)).ToList();
        Assert.Equal(8, fused.Count);
        Assert.All(fused, node => Assert.Contains(node.Attribute, a => a.Name == DyveSchema.PointwiseActivationScale));
        // Taken apart, each expand has its own scale as calibration measured it.
        var planar = BlockedLayout.Remove(result.Model);
        foreach (var node in fused)
        {
            string[] names = [.. node.Attribute.Single(a => a.Name == DyveSchema.FusedNodes).Strings.Select(s => s.ToStringUtf8())];
            float Scale(string name) => planar.Graph.Node.Single(n => n.Name == name).Attribute.Single(a => a.Name == DyveSchema.ActivationScale).F;
            Assert.Equal(node.Attribute.Single(a => a.Name == DyveSchema.PointwiseActivationScale).F, Scale(names[0]));
            Assert.Equal(node.Attribute.Single(a => a.Name == DyveSchema.ActivationScale).F, Scale(names[4]));
            Assert.NotEqual(Scale(names[0]), Scale(names[4]));
        }
    }
}
