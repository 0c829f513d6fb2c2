using Google.Protobuf;
using Onnx;
using OnnxDyVE.Fuzz.Tests.Support;
using OnnxDyVE.Graph.Rewrite;
using Xunit.Abstractions;

namespace OnnxDyVE.Fuzz.Tests.Fuzzing;

/// <summary>
/// The rewriter on mutated models: <see cref="ModelFile.Parse"/>, <see cref="DyveRewriter.Rewrite"/>, the rewrite
/// of its own output and <see cref="StockRestorer.Restore"/> must each return or throw <see cref="RewriteException"/>,
/// within the time and allocation limits. Seeds: the real Caffe models converted (stock and rewritten) and a small
/// model with every fusion.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class RewriterFuzzTests(ITestOutputHelper output)
{
    /// <summary>A rewrite copies the model and folds weights: a few copies of the input, plus 16 MB.</summary>
    private static readonly FuzzLimits Limits = new(TimeSpan.FromSeconds(10), AllocationBase: 16 << 20, AllocationPerInputByte: 16);

    private static IReadOnlyList<(string Name, ModelProto Model)>? Seeds()
    {
        if (SeedModels.Caffe is not { } caffe) return null;
        ModelProto fusions = SeedModels.Fusions();
        return [.. caffe, ("fusions", fusions), ("fusions.dyve", DyveRewriter.Rewrite(fusions).Model)];
    }

    [Fact]
    public void Structurally_mutated_models_rewrite_or_fail_with_a_rewrite_error()
    {
        if (Seeds() is not { } seeds) return;
        var campaign = new FuzzCampaign<byte[]>("rewriter-structure", Limits, e => e is RewriteException).Run(
            FuzzBudget.Iterations(1200), FuzzBudget.Seed(5), random =>
            {
                // The small model more often: it has every fusion, and is quick.
                (string name, ModelProto seed) = random.Next(2) == 0 ? seeds[^(1 + random.Next(2))] : seeds[random.Next(seeds.Count)];
                byte[] bytes = ModelMutator.Mutate(seed, random).ToByteArray();
                if (random.Next(5) == 0) bytes = ByteMutator.Mutate(bytes, random);
                return new FuzzInput<byte[]>(bytes, bytes.Length, name, () => bytes);
            },
            RewriteAll);
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    [Fact]
    public void Byte_mutated_models_rewrite_or_fail_with_a_rewrite_error()
    {
        if (Seeds() is not { } seeds) return;
        byte[][] serialized = [.. seeds.Select(s => s.Model.ToByteArray())];
        var campaign = new FuzzCampaign<byte[]>("rewriter-bytes", Limits, e => e is RewriteException).Run(
            FuzzBudget.Iterations(400), FuzzBudget.Seed(6), random =>
            {
                int index = random.Next(serialized.Length);
                byte[] bytes = ByteMutator.Mutate(serialized[index], random);
                return new FuzzInput<byte[]>(bytes, bytes.Length, seeds[index].Name, () => bytes);
            },
            RewriteAll);
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    private static void RewriteAll(byte[] bytes)
    {
        ModelProto model = ModelFile.Parse(bytes, "fuzz.onnx");
        RewriteResult result = DyveRewriter.Rewrite(model);
        ModelProto again = DyveRewriter.Rewrite(ModelFile.Parse(result.Model.ToByteArray(), "fuzz.dyve.onnx")).Model;
        StockRestorer.Restore(again);
    }
}
