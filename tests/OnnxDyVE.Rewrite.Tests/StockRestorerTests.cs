namespace OnnxDyVE.Rewrite.Tests;

/// <summary>DyVE models back to stock ONNX: the same outputs, no DyVE operator left, nothing else touched.</summary>
public sealed class StockRestorerTests
{
    [Theory]
    [InlineData(13)]
    [InlineData(10)]
    public void A_rewritten_network_restores_to_the_same_outputs(int opset)
    {
        var builder = new ModelBuilder(seed: 7, opset: opset);
        string x = builder.Input("x", 1, 3, 12, 12);
        string y = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [8, 3, 3, 3]), builder.Weights("b1", [8])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.Node("Relu", "relu1", [y]);
        y = builder.Node("Conv", "conv2", [y, builder.Weights("w2", [8, 4, 3, 3])], OnnxProto.Int("group", 2), OnnxProto.Ints("strides", 2, 2));
        y = builder.Node("LeakyRelu", "leaky2", [y], OnnxProto.Float("alpha", 0.2f));
        y = opset >= 11
            ? builder.Node("Clip", "clip3", [builder.Node("Conv", "conv3", [y, builder.Weights("w3", [4, 8, 1, 1])]), builder.Weights("lo", []), builder.Weights("hi", [])])
            : builder.Node("Clip", "clip3", [builder.Node("Conv", "conv3", [y, builder.Weights("w3", [4, 8, 1, 1])])], OnnxProto.Float("min", -0.5f), OnnxProto.Float("max", 0.5f));
        y = builder.Node("Flatten", "flatten", [y]);
        y = builder.Node("Gemm", "fc", [y, builder.Weights("fc_w", [10, 100]), builder.Weights("fc_b", [10])], OnnxProto.Int("transB", 1), OnnxProto.Float("alpha", 0.5f));
        y = builder.Node("Relu", "fc_relu", [y]);
        ModelProto original = builder.Output(y).Build();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        Assert.Contains(rewritten.Graph.Node, n => n.Domain == DyveSchema.Domain);

        ModelProto restored = StockRestorer.Restore(rewritten);

        Assert.DoesNotContain(restored.Graph.Node, n => n.Domain == DyveSchema.Domain);
        Assert.DoesNotContain(restored.OpsetImport, o => o.Domain == DyveSchema.Domain);
        Assert.Equal(["Conv", "Relu", "Conv", "LeakyRelu", "Conv", "Clip", "Flatten", "Gemm", "Relu"], restored.Graph.Node.Select(n => n.OpType));
        Assert.Equal(["conv1", "conv2", "conv3", "fc"], restored.Graph.Node.Where(n => n.OpType is "Conv" or "Gemm").Select(n => n.Name));
        // The effort input goes with the last DyveConv or DyveGemm that read it.
        Assert.Contains(rewritten.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Equal(original.Graph.Input, restored.Graph.Input);
        Assert.DoesNotContain(restored.Graph.Initializer, t => t.Name == EffortInput.Name);
        Assert.All(restored.Graph.Node, n => Assert.DoesNotContain(EffortInput.Name, n.Input));
        Equivalence.AssertSameOutputs(original, restored, 1, 2);
    }

    /// <summary>
    /// With no activation or batch norm to split off again, restoring gives back the original model itself; one of IR
    /// version 3 comes back as the rewriter left it, IR 4 with its weights no longer listed as inputs (the same constants).
    /// </summary>
    [Theory]
    [InlineData(7)]
    [InlineData(3)]
    public void Restoring_a_rewrite_of_plain_layers_gives_the_original(long irVersion)
    {
        var builder = new ModelBuilder(seed: 10);
        string x = builder.Input("x", 1, 3, 8, 8);
        string y = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [4, 3, 3, 3]), builder.Weights("b1", [4])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.Node("Conv", "conv2", [y, builder.Weights("w2", [4, 4, 1, 1])]);
        y = builder.Node("Flatten", "flatten", [y]);
        y = builder.Node("Gemm", "fc", [y, builder.Weights("fc_w", [256, 3])]);
        ModelProto original = builder.Output(y).Build();
        ModelProto expected = original.Clone();
        expected.IrVersion = Math.Max(irVersion, 4);
        original.IrVersion = irVersion;
        if (irVersion < 4)
            foreach (TensorProto initializer in original.Graph.Initializer)
                original.Graph.Input.Add(OnnxProto.FloatValue(initializer.Name, [.. initializer.Dims]));
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        Assert.All(rewritten.Graph.Node.Where(n => n.OpType == DyveSchema.ConvOp), n => Assert.Equal(EffortInput.Name, n.Input[EffortInput.ConvInputIndex]));
        Assert.Equal(["flatten", "fc_w", "", EffortInput.Name], rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp).Input);

        Assert.Equal(expected, StockRestorer.Restore(rewritten));
    }

    /// <summary>A DyveGemm with SPET restores to the original Gemm and Relu: C kept, the effort and DyVE's attributes dropped.</summary>
    [Fact]
    public void A_DyveGemm_with_spet_restores_to_the_original_gemm()
    {
        var builder = new ModelBuilder(seed: 11);
        string y = builder.Node("Gemm", "fc", [builder.Input("x", 2, 20), builder.Weights("fc_w", [20, 7]), builder.Weights("fc_b", [7])], OnnxProto.Float("beta", 0.5f));
        y = builder.Node("Relu", "fc_relu", [y]);
        ModelProto original = builder.Output(y).Build();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        NodeProto gemm = rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp);
        gemm.Attribute.Add(OnnxProto.Float(DyveSchema.SpetPrefix, 0.25f));
        gemm.Attribute.Add(OnnxProto.Float(DyveSchema.SpetDelta, 1f));
        gemm.Attribute.Add(OnnxProto.Float(DyveSchema.ActivationScale, 2f));

        ModelProto restored = StockRestorer.Restore(rewritten);

        NodeProto stock = restored.Graph.Node.Single(n => n.OpType == "Gemm");
        Assert.Equal(["x", "fc_w", "fc_b"], stock.Input);
        Assert.Equal(["beta"], stock.Attribute.Select(a => a.Name));
        Assert.DoesNotContain(restored.Graph.Initializer, t => t.Name == EffortInput.Name);
        Equivalence.AssertSameOutputs(original, restored, 1, 2);
    }

    [Fact]
    public void An_effort_input_something_else_reads_is_kept()
    {
        var builder = new ModelBuilder(seed: 11);
        string x = builder.Input("x", 1, 2, 4, 4);
        ModelProto original = builder.Output(builder.Node("Conv", "conv", [x, builder.Weights("w", [2, 2, 1, 1])])).Build();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        rewritten.Graph.Node.Add(OnnxProto.Node("Identity", "", "effort_copy", [EffortInput.Name], ["effort_out"], []));
        rewritten.Graph.Output.Add(OnnxProto.FloatValue("effort_out", []));

        ModelProto restored = StockRestorer.Restore(rewritten);

        Assert.Equal(["x", "w"], restored.Graph.Node.Single(n => n.OpType == "Conv").Input);
        Assert.Contains(restored.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Contains(restored.Graph.Initializer, t => t.Name == EffortInput.Name);
    }

    [Fact]
    public void A_model_without_DyVE_operators_is_unchanged()
    {
        var builder = new ModelBuilder(seed: 8);
        string y = builder.Node("Relu", "relu", [builder.Input("x", 1, 4)]);
        ModelProto original = builder.Output(y).Build();
        Assert.Equal(original, StockRestorer.Restore(original));
    }

    [Fact]
    public void An_unknown_activation_names_the_node()
    {
        var builder = new ModelBuilder(seed: 9);
        string x = builder.Input("x", 1, 2, 4, 4);
        ModelProto original = builder.Output(builder.Node("Conv", "conv", [x, builder.Weights("w", [2, 2, 1, 1])])).Build();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        NodeProto dyve = rewritten.Graph.Node[0];
        foreach (AttributeProto existing in dyve.Attribute.Where(a => a.Name == DyveSchema.Activation).ToList()) dyve.Attribute.Remove(existing);
        dyve.Attribute.Add(OnnxProto.String(DyveSchema.Activation, "swish"));
        var error = Assert.Throws<RewriteException>(() => StockRestorer.Restore(rewritten));
        Assert.Contains("'conv'", error.Message);
        Assert.Contains("swish", error.Message);
    }
}
