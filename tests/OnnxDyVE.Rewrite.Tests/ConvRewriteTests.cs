namespace OnnxDyVE.Rewrite.Tests;

/// <summary>Conv (+ BatchNormalization) (+ activation) becomes one DyveConv that computes the same outputs.</summary>
public sealed class ConvRewriteTests
{
    public static TheoryData<bool, int, int, int, bool, ActivationCase> Cases() => new()
    {
        // bias, group, pad, stride, batch norm, activation
        { false, 1, 0, 1, false, ActivationCase.None },
        { true, 1, 1, 1, false, ActivationCase.Relu },
        { true, 1, 1, 2, true, ActivationCase.Relu },
        { false, 1, 1, 1, true, ActivationCase.None },
        { false, 2, 1, 1, true, ActivationCase.LeakyRelu },
        { true, 4, 2, 2, false, ActivationCase.ClipInputs },
        { true, 1, 0, 1, true, ActivationCase.ClipMinOnly },
        { false, 1, 1, 2, true, ActivationCase.ClipAttributes },
        { true, 8, 1, 1, true, ActivationCase.Relu },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewritten_conv_matches_the_original(bool bias, int group, int pad, int stride, bool batchNorm, ActivationCase activation)
    {
        var builder = new ModelBuilder(Activations.Opset(activation), seed: group * 7 + pad + stride);
        string x = builder.Input("x", 2, 8, 9, 10);
        string[] inputs = bias ? [x, builder.Weights("w", [16, 8 / group, 3, 3]), builder.Weights("b", [16])] : [x, builder.Weights("w", [16, 8 / group, 3, 3])];
        string y = builder.Node("Conv", "conv", inputs,
            OnnxProto.Int("group", group), OnnxProto.Ints("pads", pad, pad, pad, pad), OnnxProto.Ints("strides", stride, stride));
        if (batchNorm) y = builder.BatchNorm("bn", y, 16);
        y = Activations.Append(builder, activation, y);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        NodeProto dyve = Assert.Single(result.Model.Graph.Node);
        Assert.Equal((DyveSchema.Domain, DyveSchema.ConvOp, "conv", y), (dyve.Domain, dyve.OpType, dyve.Name, dyve.Output[0]));
        RewrittenNode report = Assert.Single(result.Report.Rewritten);
        Assert.Equal(original.Graph.Node.Select(n => n.OpType), report.OriginalOps);
        // The batch norm's parameters, and the weights it was folded into, are gone.
        string[] gone = batchNorm ? ["bn_scale", "bn_B", "bn_mean", "bn_var", "w"] : [];
        Assert.Empty(result.Model.Graph.Initializer.Select(t => t.Name).Intersect(gone));
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    [Fact]
    public void Constants_from_Constant_nodes_are_read_and_their_nodes_go_with_what_they_fed()
    {
        var builder = new ModelBuilder(seed: 3);
        string x = builder.Input("x", 1, 3, 6, 6);
        string y = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [4, 3, 3, 3])]);
        y = builder.BatchNorm("bn", y, 4);
        y = builder.Node("Clip", "clip", [y, builder.Scalar("low", 0f), builder.Scalar("high", 6f)]);
        y = builder.Node("Conv", "conv2", [y, builder.Weights("w2", [2, 4, 1, 1])]);
        foreach (string name in new[] { "w1", "bn_scale", "bn_B", "bn_mean", "bn_var", "low", "high", "w2" }) builder.AsConstantNode(name);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        // conv2 reads w2 as it is, so its Constant node stays; everything folded into conv1 is gone.
        Assert.Equal(["w2_constant", "conv1", "conv2"], result.Model.Graph.Node.Select(n => n.Name));
        Assert.Equal(["Constant", DyveSchema.ConvOp, DyveSchema.ConvOp], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(2, result.Report.Rewritten[0].Fused.Count);
        Assert.Equal(["w2_constant"], result.Report.Skipped.Select(s => s.Name));
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void Asymmetric_pads_dilations_and_auto_pad_are_kept()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 1, 3, 12, 11);
        string a = builder.Node("Conv", "asymmetric", [x, builder.Weights("w1", [4, 3, 3, 3])],
            OnnxProto.Ints("pads", 0, 1, 2, 1), OnnxProto.Ints("dilations", 2, 1), OnnxProto.Ints("kernel_shape", 3, 3));
        string b = builder.Node("Conv", "same", [a, builder.Weights("w2", [5, 4, 2, 2])], OnnxProto.String("auto_pad", "SAME_UPPER"));
        ModelProto original = builder.Output(b).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.All(result.Model.Graph.Node, n => Assert.Equal(DyveSchema.ConvOp, n.OpType));
        Equivalence.AssertSameOutputs(original, result.Model);
    }
}
