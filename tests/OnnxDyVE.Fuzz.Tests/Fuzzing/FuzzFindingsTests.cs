using Google.Protobuf;
using Onnx;
using OnnxDyVE.Fuzz.Tests.Support;
using OnnxDyVE.Graph.Rewrite;

namespace OnnxDyVE.Fuzz.Tests.Fuzzing;

/// <summary>What the fuzz campaigns found, each reduced to the smallest input that showed it, kept as a regression test.</summary>
public sealed class FuzzFindingsTests
{
    /// <summary>
    /// Found by the rewriter campaign: a DyVE node whose output was removed made StockRestorer index an empty list
    /// (ArgumentOutOfRangeException) instead of saying what is wrong.
    /// </summary>
    [Fact]
    public void Restoring_a_DyVE_node_without_an_output_names_the_node()
    {
        ModelProto model = DyveRewriter.Rewrite(SeedModels.Fusions()).Model;
        NodeProto conv = model.Graph.Node.First(n => n.OpType == OnnxDyVE.Schema.DyveSchema.ConvOp);
        conv.Output.Clear();

        var error = Assert.Throws<RewriteException>(() => StockRestorer.Restore(model));

        Assert.Contains($"'{conv.Name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("output", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A length prefix just under 2^31 overflows Google.Protobuf's limit arithmetic, which then throws an index or
    /// argument error rather than InvalidProtocolBufferException: the model reader must still say "not an ONNX model".
    /// </summary>
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 1)]
    [InlineData(int.MaxValue - 16)]
    [InlineData(1L << 31)]
    [InlineData(uint.MaxValue)]
    public void A_length_prefix_near_two_gigabytes_is_not_an_onnx_model(long length)
    {
        byte[] model = SeedModels.Fusions().ToByteArray();
        // Field 7 (graph), length-delimited, then the lying length, then the real graph's bytes.
        byte[] bytes = [.. model[..2], 0x3A, .. ByteMutator.Varint((ulong)length), .. model[2..]];

        var error = Assert.Throws<RewriteException>(() => ModelFile.Parse(bytes, "lying.onnx"));

        Assert.StartsWith("lying.onnx: ", error.Message, StringComparison.Ordinal);
    }
}
