namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// A residual block's Add (and the Relu after it) becomes input Z of the convolution before it; taking the layout away
/// gives the nodes back as they were; where the pattern does not hold, nothing is fused.
/// </summary>
public sealed class ResidualFusionTests
{
    /// <summary>conv0 -> relu -> conv1 -> relu -> conv2 -> Add(conv2, relu0) [-> Relu] -> conv3: every tensor blocked but the output.</summary>
    private static ModelProto Block(bool relu = true, bool conv2Relu = false, bool sumReadTwice = false, bool residualFirst = false)
    {
        var builder = new ModelBuilder(seed: 21);
        string x = builder.Input("x", 2, 8, 9, 7);
        string y = builder.Node("Relu", "relu0", [builder.Node("Conv", "conv0", [x, builder.Weights("w0", [32, 8, 3, 3]), builder.Weights("b0", [32])],
            OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string a = builder.Node("Relu", "relu1", [builder.Node("Conv", "conv1", [y, builder.Weights("w1", [32, 32, 3, 3]), builder.Weights("b1", [32])],
            OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string b = builder.Node("Conv", "conv2", [a, builder.Weights("w2", [32, 32, 3, 3]), builder.Weights("b2", [32])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        if (conv2Relu) b = builder.Node("Relu", "relu2", [b]);
        string sum = builder.Node("Add", "add", residualFirst ? [y, b] : [b, y]);
        if (relu) sum = builder.Node("Relu", "relu3", [sum]);
        string z = builder.Node("Conv", "conv3", [sum, builder.Weights("w3", [16, 32, 1, 1])]);
        if (sumReadTwice) z = builder.Node("Concat", "both", [z, builder.Node("Conv", "conv4", [sum, builder.Weights("w4", [16, 32, 1, 1])])], OnnxProto.Int("axis", 1));
        return builder.Output(z).Build();
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void A_residual_blocks_add_and_relu_become_input_z_of_its_convolution(bool relu, bool residualFirst)
    {
        ModelProto original = Block(relu, residualFirst: residualFirst);

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(1, result.Report.FusedResiduals);
        Assert.DoesNotContain(result.Report.Skipped, s => s.Name is "add" or "relu3");
        NodeProto conv = rewritten.Graph.Node.Single(n => n.Name == "conv2");
        Assert.Equal("relu0", conv.Input[DyveSchema.ResidualInput]);
        Assert.Equal(relu ? "relu3" : "add", conv.Output[0]);
        Assert.Equal(relu ? DyveSchema.ActivationKinds.Relu : DyveSchema.ActivationKinds.None,
            conv.Attribute.FirstOrDefault(a => a.Name == DyveSchema.Activation)?.S.ToStringUtf8());
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.OpType is "Add" or "Relu");
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
    }

    [Fact]
    public void Taking_the_layout_away_gives_the_add_and_relu_back()
    {
        ModelProto original = Block(residualFirst: true);
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        ModelProto planar = BlockedLayout.Remove(rewritten);

        Assert.Equal(["conv0", "conv1", "conv2", "add", "relu3", "conv3"], planar.Graph.Node.Select(n => n.Name));
        NodeProto conv = planar.Graph.Node.Single(n => n.Name == "conv2"), add = planar.Graph.Node.Single(n => n.Name == "add");
        Assert.Equal(4, conv.Input.Count);
        Assert.Equal(["conv2"], conv.Output);
        Assert.DoesNotContain(conv.Attribute, a => a.Name == DyveSchema.FusedResidual);
        Assert.Equal(DyveSchema.ActivationKinds.None, conv.Attribute.Single(a => a.Name == DyveSchema.Activation).S.ToStringUtf8());
        Assert.Equal(["relu0", "conv2"], add.Input);
        Assert.Equal(["add"], add.Output);
        Assert.Equal(["add"], planar.Graph.Node.Single(n => n.Name == "relu3").Input);
        Assert.Single(BlockedLayout.Apply(planar, out _).Graph.Node, n => n.Attribute.Any(a => a.Name == DyveSchema.FusedResidual));
        ModelProto stock = StockRestorer.Restore(rewritten);
        Assert.Equal(["Conv", "Relu", "Conv", "Relu", "Conv", "Add", "Relu", "Conv"], stock.Graph.Node.Select(n => n.OpType));
        Equivalence.AssertSameOutputs(original, stock, 3);
    }

    [Fact]
    public void An_add_whose_sum_is_read_twice_is_fused_without_the_relu_it_then_cannot_take()
    {
        ModelProto original = Block(relu: false, sumReadTwice: true);

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal("add", rewritten.Graph.Node.Single(n => n.Name == "conv2").Output[0]);
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    [Fact]
    public void A_convolution_with_its_own_activation_keeps_its_add()
    {
        ModelProto original = Block(conv2Relu: true);

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Contains(rewritten.Graph.Node, n => n.OpType == "Add");
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.Input.Count > DyveSchema.ResidualInput);
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }
}
