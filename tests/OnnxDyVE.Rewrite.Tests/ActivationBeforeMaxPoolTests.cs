namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// An activation after a max pool that reads a Conv alone moves ahead of the pool and fuses into the DyveConv
/// (Conv → MaxPool → Relu, as in Caffe's cifar10 models): the outputs stay the original's, and where the move would
/// not be exact, or another node reads a tensor it changes, nothing moves.
/// </summary>
public sealed class ActivationBeforeMaxPoolTests
{
    /// <summary>Conv → MaxPool (padded, overlapping windows) → activation → Conv, on inputs of both signs.</summary>
    private static (ModelBuilder Builder, string Pooled, string Activated) ConvPoolActivation(ActivationCase activation, int seed = 5) =>
        ConvPoolActivation(Activations.Opset(activation), seed, (builder, pooled) => Activations.Append(builder, activation, pooled));

    /// <summary>As above, with the activation <paramref name="append"/> adds after the pool.</summary>
    private static (ModelBuilder Builder, string Pooled, string Activated) ConvPoolActivation(long opset, int seed, Func<ModelBuilder, string, string> append)
    {
        var builder = new ModelBuilder(opset, seed);
        string x = builder.Input("x", 2, 3, 13, 13);
        string conv = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [32, 3, 3, 3]), builder.Weights("b1", [32])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string pooled = builder.Node("MaxPool", "pool1", [conv], OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("strides", 2, 2),
            OnnxProto.Ints("pads", 1, 1, 1, 1));
        return (builder, pooled, append(builder, pooled));
    }

    [Theory]
    [InlineData(ActivationCase.Relu)]
    [InlineData(ActivationCase.LeakyRelu)]
    [InlineData(ActivationCase.ClipInputs)]
    [InlineData(ActivationCase.ClipMinOnly)]
    [InlineData(ActivationCase.ClipAttributes)]
    public void An_activation_after_a_max_pool_fuses_into_the_convolution_before_it(ActivationCase activation)
    {
        (ModelBuilder builder, _, string activated) = ConvPoolActivation(activation);
        string next = builder.Node("Conv", "conv2", [activated, builder.Weights("w2", [16, 32, 3, 3])]);
        ModelProto original = builder.Output(next).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(1, result.Report.ActivationsBeforePools);
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.Name == "act");
        Assert.NotEqual(DyveSchema.ActivationKinds.None, ActivationOf(rewritten, "conv1"));
        // The pool writes the tensor the activation wrote, which the next convolution reads as before.
        Assert.Equal(activated, rewritten.Graph.Node.Single(n => n.Name == "pool1").Output[0]);
        Assert.Equal(activated, rewritten.Graph.Node.Single(n => n.Name == "conv2").Input[0]);
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2, 3);
        Assert.Equal(rewritten, DyveRewriter.Rewrite(rewritten).Model);
    }

    /// <summary>The activation's output a graph output: the pool writes it under the same name.</summary>
    [Fact]
    public void The_graph_output_keeps_its_name_when_the_activation_moves()
    {
        (ModelBuilder builder, _, string activated) = ConvPoolActivation(ActivationCase.Relu, seed: 8);
        ModelProto original = builder.Output(activated).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(1, result.Report.ActivationsBeforePools);
        Assert.Equal(activated, result.Model.Graph.Output.Single().Name);
        Assert.Equal("pool1", result.Model.Graph.Node.Single(n => n.Output.Contains(activated)).Name);
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    /// <summary>A LeakyRelu of a negative slope decreases on the negatives: max(f(a), f(b)) is then not f(max(a, b)).</summary>
    [Fact]
    public void A_leaky_relu_of_negative_slope_stays_after_the_pool()
    {
        (ModelBuilder builder, string pooled, string activated) = ConvPoolActivation(13, seed: 6,
            (model, input) => model.Node("LeakyRelu", "act", [input], OnnxProto.Float("alpha", -0.5f)));
        ModelProto original = builder.Output(activated).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(0, result.Report.ActivationsBeforePools);
        Assert.Contains(result.Model.Graph.Node, n => n.Name == "act" && n.OpType == "LeakyRelu" && n.Input[0] == pooled);
        Assert.Equal(DyveSchema.ActivationKinds.None, ActivationOf(result.Model, "conv1"));
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    /// <summary>The move changes what the convolution's and the pool's tensors hold: not when any other node or the caller reads one of them.</summary>
    [Theory]
    [InlineData("convolution read twice")]
    [InlineData("pooled maps a graph output")]
    [InlineData("pooled maps read twice")]
    public void Nothing_moves_where_another_reader_sees_a_changed_tensor(string reader)
    {
        (ModelBuilder builder, string pooled, string activated) = ConvPoolActivation(ActivationCase.Relu);
        builder.Output(activated);
        if (reader == "convolution read twice") builder.Output(builder.Node("Sigmoid", "other", ["conv1"]));
        else if (reader == "pooled maps a graph output") builder.Output(pooled);
        else builder.Output(builder.Node("Sigmoid", "other", [pooled]));
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(0, result.Report.ActivationsBeforePools);
        Assert.Contains(result.Model.Graph.Node, n => n.Name == "act" && n.Input[0] == pooled);
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    /// <summary>
    /// A max pool that also writes its indices, one that reads a graph input rather than a Conv, or one after a Conv that
    /// stays stock (weights fed at run time: a Relu moved ahead of the pool would read the larger maps) is left as it is.
    /// </summary>
    [Theory]
    [InlineData("indices")]
    [InlineData("graph input")]
    [InlineData("stock convolution")]
    public void Nothing_moves_after_a_pool_with_indices_or_without_a_fused_convolution_before_it(string pool)
    {
        var builder = new ModelBuilder(seed: 7);
        string x = builder.Input("x", 1, 16, 8, 8);
        string weights = pool == "stock convolution" ? builder.Input("w1", 16, 16, 3, 3) : builder.Weights("w1", [16, 16, 3, 3]);
        string source = pool == "graph input" ? x : builder.Node("Conv", "conv1", [x, weights], OnnxProto.Ints("pads", 1, 1, 1, 1));
        bool indices = pool == "indices";
        builder.Graph.Node.Add(OnnxProto.Node("MaxPool", "", "pool1", [source], indices ? ["pool1", "pool1_indices"] : ["pool1"],
            [OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2)]));
        string activated = builder.Node("Relu", "act", ["pool1"]);
        builder.Output(activated);
        if (indices) builder.Output("pool1_indices");
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(0, result.Report.ActivationsBeforePools);
        Assert.Contains(result.Model.Graph.Node, n => n.Name == "act" && n.Input[0] == "pool1");
    }

    private static string ActivationOf(ModelProto model, string node) =>
        model.Graph.Node.Single(n => n.Name == node).Attribute.Single(a => a.Name == DyveSchema.Activation).S.ToStringUtf8();
}
