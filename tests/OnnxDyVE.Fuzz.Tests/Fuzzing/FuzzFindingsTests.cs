using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
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

    /// <summary>
    /// Found by the operator campaign: cifar10_quick's conv2 with strides [2^31 - 1, 4] made session creation run for
    /// minutes (the phase-plane count, input channels x stride area, overflowed int and the weights were rearranged
    /// over billions of phases). Now refused at once, naming the node and 'strides'.
    /// </summary>
    [Fact]
    public void A_stride_near_two_to_the_31_is_refused_at_session_creation_in_time()
    {
        if (SeedModels.Caffe is not { } caffe) return;
        ModelProto model = caffe.Single(s => s.Name == "cifar10_quick.dyve").Model.Clone();
        NodeProto conv2 = model.Graph.Node.Single(n => n.Name == "conv2/Conv");
        conv2.Attribute.Remove(conv2.Attribute.Single(a => a.Name == "strides"));
        conv2.Attribute.Add(OnnxDyVE.Graph.OnnxProto.Ints("strides", int.MaxValue, 4));

        Exception? thrown = null;
        var creation = new Thread(() =>
        {
            try
            {
                using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
                options.AppendDyVE();
                using var session = new InferenceSession(model.ToByteArray(), options);
            }
            catch (Exception e)
            {
                thrown = e;
            }
        }) { IsBackground = true };
        creation.Start();

        Assert.True(creation.Join(TimeSpan.FromSeconds(60)), "session creation still running after 60 s");
        var error = Assert.IsType<OnnxRuntimeException>(thrown);
        Assert.Contains("'conv2/Conv'", error.Message, StringComparison.Ordinal);
        Assert.Contains("strides", error.Message, StringComparison.Ordinal);
    }
}
