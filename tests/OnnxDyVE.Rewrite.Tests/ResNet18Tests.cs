using System.Reflection;
using Google.Protobuf;

namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// A real ImageNet model from elsewhere: the ResNet18 (CNTK export, IR version 3, opset 8) that the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 ships, found where NuGet unpacked it.
/// </summary>
public sealed class ResNet18Tests
{
    private static readonly Lazy<ModelProto> Original = new(() => ModelFile.Read(ModelPath()));

    private static string ModelPath()
    {
        string path = typeof(ResNet18Tests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Model").Value!;
        Assert.True(File.Exists(path), $"ResNet18 model not found at {path}: is the Microsoft.ML.DnnImageFeaturizer.ResNet18 package restored?");
        return path;
    }

    [Fact]
    public void Every_conv_becomes_a_DyveConv_with_its_batch_norm_folded()
    {
        ModelProto original = Original.Value;
        GraphProto graph = original.Graph;
        NodeProto[] convs = [.. graph.Node.Where(n => n.OpType == "Conv")];
        // A Conv whose only reader is a BatchNormalization must have it folded.
        HashSet<string> followedByBatchNorm = [.. convs.Where(c => graph.Node.Count(n => n.Input.Contains(c.Output[0])) == 1
            && graph.Node.Single(n => n.Input.Contains(c.Output[0])).OpType == "BatchNormalization").Select(c => c.Name)];

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(22, convs.Length);
        Assert.Equal(convs.Select(c => c.Name), result.Report.Rewritten.Where(r => r.OriginalOp == "Conv").Select(r => r.Name));
        Assert.All(result.Report.Rewritten.Where(r => r.OriginalOp == "Conv"), r => Assert.Equal(DyveSchema.ConvOp, r.NewOp));
        // The max pool after the first convolution reads its blocked maps (and writes planar ones for the residual Add), and
        // so does the 7 x 7 average pool after the last block.
        Assert.Equal([("MaxPool", DyveSchema.MaxPoolOp), ("AveragePool", DyveSchema.AveragePoolOp)],
            result.Report.Rewritten.Where(r => r.OriginalOp != "Conv").Select(r => (r.OriginalOp, r.NewOp)));
        Assert.Equal(followedByBatchNorm, [.. result.Report.Rewritten.Where(r => r.Fused.Any(f => f.Kind == FusionKind.BatchNormalizationFolded)).Select(r => r.Name)]);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType is "Conv" or "BatchNormalization");
        Assert.DoesNotContain(result.Report.Skipped, s => s.IsCandidate);
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2, 3);
    }

    /// <summary>The CNTK export is IR 3 (all 100+ initializers listed as inputs): rewritten, it is IR 4 and the effort is its one overridable input.</summary>
    [Fact]
    public void The_IR_3_resnet_is_raised_so_that_its_effort_can_be_fed()
    {
        ModelProto original = Original.Value;
        Assert.Equal(3, original.IrVersion);

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal(4, rewritten.IrVersion);
        HashSet<string> initializers = [.. rewritten.Graph.Initializer.Select(t => t.Name)];
        Assert.Equal([EffortInput.Name], rewritten.Graph.Input.Select(i => i.Name).Where(initializers.Contains));
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions().AppendDyVE();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(rewritten.ToByteArray(), options);
        Assert.Equal([EffortInput.Name], session.OverridableInitializerMetadata.Keys);
        Assert.Single(session.InputMetadata);
    }

    [Fact]
    public void Rewriting_the_rewritten_resnet_changes_nothing()
    {
        ModelProto once = DyveRewriter.Rewrite(Original.Value).Model;

        Assert.Equal(once.ToByteArray(), DyveRewriter.Rewrite(once).Model.ToByteArray());
    }
}
