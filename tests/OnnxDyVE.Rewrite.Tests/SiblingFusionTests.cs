namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// A fire module's two expands (a 1x1 and a 3x3 convolution of one input, joined by a Concat) become one DyveConv with
/// pointwise channels that writes the Concat's output; taking the layout away gives the nodes back as they were; and
/// where the pattern does not hold, nothing is fused.
/// </summary>
public sealed class SiblingFusionTests
{
    /// <summary>squeeze -> (left 1x1, right kh x kw) -> Concat -> next: the Concat's output blocked (next reads it).</summary>
    private static ModelProto Fire(int leftChannels = 64, long[]? rightKernel = null, long[]? rightPads = null, bool leftBias = true,
        string rightActivation = "Relu", bool leftFirst = true, bool leftReadElsewhere = false, bool rightPruned = false)
    {
        rightKernel ??= [3, 3];
        rightPads ??= [1, 1, 1, 1];
        var builder = new ModelBuilder(seed: 12);
        string x = builder.Input("x", 2, 24, 9, 8);
        string squeeze = builder.Node("Relu", "squeeze_relu", [builder.Node("Conv", "squeeze", [x, builder.Weights("ws", [16, 24, 1, 1]), builder.Weights("bs", [16])])]);
        string[] leftInputs = leftBias ? [squeeze, builder.Weights("wl", [leftChannels, 16, 1, 1]), builder.Weights("bl", [leftChannels])] : [squeeze, builder.Weights("wl", [leftChannels, 16, 1, 1])];
        string left = builder.Node("Relu", "left_relu", [builder.Node("Conv", "left", leftInputs)]);
        long[] rightShape = [48, 16, rightKernel[0], rightKernel[1]];
        // Pruned: three weights in four zero, as Deep Compression leaves SqueezeNet's 3x3 expands.
        string rightWeights = rightPruned
            ? builder.Constant("wr", rightShape, [.. Enumerable.Range(0, 48 * 16 * (int)(rightKernel[0] * rightKernel[1])).Select(i => i % 4 == 1 ? 0.5f - i % 7 * 0.1f : 0f)])
            : builder.Weights("wr", rightShape);
        string right = builder.Node(rightActivation, "right_relu", [builder.Node("Conv", "right",
            [squeeze, rightWeights, builder.Weights("br", [48])], OnnxProto.Ints("pads", rightPads))]);
        string joined = builder.Node("Concat", "concat", leftFirst ? [left, right] : [right, left], OnnxProto.Int("axis", 1));
        string next = builder.Node("Conv", "next", [joined, builder.Weights("wn", [32, leftChannels + 48, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        if (leftReadElsewhere)
            next = builder.Node("Concat", "also", [next, builder.Node("Conv", "other", [left, builder.Weights("wo", [16, leftChannels, 1, 1])])], OnnxProto.Int("axis", 1));
        return builder.Output(next).Build();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void A_fire_modules_expands_become_one_node_writing_their_concat(int kernel)
    {
        ModelProto original = Fire(rightKernel: [kernel, kernel], rightPads: [kernel / 2, kernel / 2, kernel / 2, kernel / 2]);

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(1, result.Report.FusedSiblings);
        Assert.DoesNotContain(result.Report.Skipped, s => s.Name == "concat");
        NodeProto fused = Assert.Single(rewritten.Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels));
        Assert.Equal(64, fused.Attribute.Single(a => a.Name == DyveSchema.PointwiseChannels).I);
        Assert.Equal("concat", fused.Output[0]);
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.OpType == "Concat" || n.Name is "left" or "right");
        Assert.DoesNotContain(rewritten.Graph.Initializer, i => i.Name is "wl" or "bl" or "wr" or "br");
        // W: the 1x1's weights at the centre of 3 x 3 kernels, then the 3x3's; B both biases.
        TensorProto w = rewritten.Graph.Initializer.Single(i => i.Name == fused.Input[1]);
        Assert.Equal([112L, 16, kernel, kernel], w.Dims);
        Assert.Equal(112, rewritten.Graph.Initializer.Single(i => i.Name == fused.Input[2]).Dims[0]);
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
    }

    [Fact]
    public void Taking_the_layout_away_gives_the_two_convolutions_and_their_concat_back()
    {
        ModelProto original = Fire(leftBias: false);
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        ModelProto planar = BlockedLayout.Remove(rewritten);

        Assert.DoesNotContain(planar.Graph.Node, n => n.Attribute.Any(a => a.Name is DyveSchema.PointwiseChannels or DyveSchema.FusedNodes));
        Assert.Equal(["squeeze", "left", "right", "concat", "next"], planar.Graph.Node.Select(n => n.Name));
        NodeProto left = planar.Graph.Node.Single(n => n.Name == "left"), right = planar.Graph.Node.Single(n => n.Name == "right");
        Assert.Equal(["squeeze_relu", "wl", "", EffortInput.Name], left.Input);
        Assert.Equal(["squeeze_relu", "wr", "br", EffortInput.Name], right.Input);
        Assert.Equal(["left_relu"], left.Output);
        Assert.Equal(["left_relu", "right_relu"], planar.Graph.Node.Single(n => n.Name == "concat").Input);
        foreach (string name in new[] { "wl", "wr", "br" })
        {
            TensorProto restored = planar.Graph.Initializer.Single(i => i.Name == name), before = original.Graph.Initializer.Single(i => i.Name == name);
            Assert.Equal(before.Dims, restored.Dims);
            Assert.Equal(Values(before), Values(restored));
        }
        Assert.DoesNotContain(planar.Graph.Initializer, i => i.Name == rewritten.Graph.Node.Single(n => n.Name.Contains('+')).Input[1]);
        // And the layout given back fuses them again; the stock model has Conv, Conv and Concat.
        Assert.Single(BlockedLayout.Apply(planar, out _).Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels));
        ModelProto stock = StockRestorer.Restore(rewritten);
        Assert.Equal(["Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Concat", "Conv"], stock.Graph.Node.Select(n => n.OpType));
        Equivalence.AssertSameOutputs(original, stock, 3);
    }

    [Fact]
    public void Calibrated_expands_with_their_own_activation_scales_fuse_and_get_them_back()
    {
        // Calibration measures every layer's activation scale (and input scale: the same input, the same value).
        ModelProto planar = BlockedLayout.Remove(DyveRewriter.Rewrite(Fire()).Model);
        NodeProto Node(ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name);
        foreach ((string name, float scale) in new[] { ("left", 2.5f), ("right", 7f) })
        {
            Node(planar, name).Attribute.Add(OnnxProto.Float(DyveSchema.ActivationScale, scale));
            Node(planar, name).Attribute.Add(OnnxProto.Float(DyveSchema.InputScale, 3f));
        }
        string[] Attributes(NodeProto node) => [.. node.Attribute.Select(a => a.ToString()).Order(StringComparer.Ordinal)];

        ModelProto blocked = BlockedLayout.Apply(planar, out _);

        NodeProto fused = Assert.Single(blocked.Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels));
        Assert.Equal(7f, fused.Attribute.Single(a => a.Name == DyveSchema.ActivationScale).F);
        Assert.Equal(2.5f, fused.Attribute.Single(a => a.Name == DyveSchema.PointwiseActivationScale).F);
        ModelProto back = BlockedLayout.Remove(blocked);
        foreach (string name in new[] { "left", "right" })
            Assert.Equal(Attributes(Node(planar, name)), Attributes(Node(back, name)));
    }

    private static float[] Values(TensorProto tensor) =>
        tensor.RawData.IsEmpty ? [.. tensor.FloatData] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();

    public static TheoryData<string> Unfused() =>
        ["48 pointwise channels", "two 1x1 convolutions", "padding off centre", "different activations", "spatial first", "1x1 read elsewhere"];

    [Theory]
    [MemberData(nameof(Unfused))]
    public void Nothing_is_fused_where_the_pattern_does_not_hold(string why)
    {
        ModelProto original = why switch
        {
            "48 pointwise channels" => Fire(leftChannels: 48),
            "two 1x1 convolutions" => Fire(rightPads: [0, 0, 0, 0], rightKernel: [1, 1]),
            "padding off centre" => Fire(rightPads: [2, 2, 0, 0]),
            "different activations" => Fire(rightActivation: "LeakyRelu"),
            "spatial first" => Fire(leftFirst: false),
            _ => Fire(leftReadElsewhere: true),
        };

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.DoesNotContain(rewritten.Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels));
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    /// <summary>
    /// A pruned 3x3 stays apart, on the sparse kernel, for a machine that retires one 512-bit FMA a cycle, and is fused on
    /// dense tiles for one that retires two (SparseWeights.RunApart); the same outputs either way.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void A_pruned_spatial_half_is_fused_only_for_a_machine_where_dense_tiles_are_faster(int wideFmaRate, bool fused)
    {
        ModelProto original = Fire(rightPruned: true);

        RewriteResult result = DyveRewriter.Rewrite(original, wideFmaRate);

        Assert.Equal(fused ? 1 : 0, result.Report.FusedSiblings);
        Assert.Equal(fused, result.Model.Graph.Node.Any(n => n.Attribute.Any(a => a.Name == DyveSchema.PointwiseChannels)));
        Equivalence.AssertSameOutputs(original, result.Model, 1);
    }
}
