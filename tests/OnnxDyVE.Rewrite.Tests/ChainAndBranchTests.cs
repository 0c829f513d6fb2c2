namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// Whole networks: chains of fusable layers, and branches where a tensor between two fusable nodes is read
/// elsewhere too, so the nodes must stay apart.
/// </summary>
public sealed class ChainAndBranchTests
{
    [Fact]
    public void A_small_network_is_rewritten_layer_by_layer()
    {
        var builder = new ModelBuilder(seed: 5);
        string x = builder.Input("x", 1, 3, 16, 16);
        string y = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [8, 3, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.BatchNorm("bn1", y, 8);
        y = builder.Node("Relu", "relu1", [y]);
        y = builder.Node("MaxPool", "pool1", [y], OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2));
        string skip = y;
        y = builder.Node("Conv", "conv2", [y, builder.Weights("w2", [8, 8, 3, 3]), builder.Weights("b2", [8])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.BatchNorm("bn2", y, 8);
        y = builder.Node("Add", "residual", [y, skip]);
        y = builder.Node("Relu", "relu2", [y]);
        y = builder.Node("Flatten", "flatten", [y]);
        y = builder.Node("Gemm", "fc1", [y, builder.Weights("fc1_w", [32, 512]), builder.Weights("fc1_b", [32])], OnnxProto.Int("transB", 1));
        y = builder.Node("Relu", "fc1_relu", [y]);
        y = builder.Node("MatMul", "fc2", [y, builder.Weights("fc2_w", [32, 10])]);
        y = builder.Node("Add", "fc2_bias", [y, builder.Weights("fc2_b", [10])]);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(["conv1", "pool1", "conv2", "residual", "relu2", "flatten", "fc1", "fc2"], result.Model.Graph.Node.Select(n => n.Name));
        // Two DyveConv, two DyveGemm, and the pool between conv1 and conv2, which reads conv1's blocked maps.
        Assert.Equal(5, result.Report.Rewritten.Count);
        Assert.Equal(DyveSchema.MaxPoolOp, result.Model.Graph.Node.Single(n => n.Name == "pool1").OpType);
        Assert.Equal(2, result.Report.FusedCount(FusionKind.BatchNormalizationFolded));
        Assert.Equal(2, result.Report.FusedCount(FusionKind.ActivationFused));
        Assert.Equal(1, result.Report.FusedCount(FusionKind.BiasAdded));
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2, 3);
    }

    [Fact]
    public void A_tensor_with_two_readers_is_not_fused_away()
    {
        var builder = new ModelBuilder(seed: 6);
        string x = builder.Input("x", 1, 4, 8, 8);
        string conv = builder.Node("Conv", "conv", [x, builder.Weights("w", [4, 4, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string relu = builder.Node("Relu", "relu", [conv]);
        string sum = builder.Node("Add", "sum", [relu, conv]);
        ModelProto original = builder.Output(sum).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal([DyveSchema.ConvOp, "Relu", "Add"], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Empty(result.Report.Rewritten[0].Fused);
        SkippedNode skipped = Assert.Single(result.Report.Skipped, s => s.Name == "relu");
        Assert.Contains("'conv' has 2 readers", skipped.Reason);
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_graph_output_between_layers_stays_an_output()
    {
        var builder = new ModelBuilder(seed: 7);
        string x = builder.Input("x", 1, 4, 8, 8);
        string conv = builder.Node("Conv", "conv", [x, builder.Weights("w", [6, 4, 1, 1])]);
        string bn = builder.BatchNorm("bn", conv, 6);
        string relu = builder.Node("Relu", "relu", [bn]);
        ModelProto original = builder.Output(relu).Output(bn).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        // The batch norm folds (only the Relu reads the Conv's output); its own output is a graph output, so the Relu stays.
        Assert.Equal([DyveSchema.ConvOp, "Relu"], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(bn, result.Model.Graph.Node[0].Output[0]);
        Assert.Contains("'bn' is a graph output", Assert.Single(result.Report.Skipped).Reason);
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_batch_norm_after_a_conv_with_two_readers_stays()
    {
        var builder = new ModelBuilder(seed: 8);
        string x = builder.Input("x", 1, 4, 8, 8);
        string conv = builder.Node("Conv", "conv", [x, builder.Weights("w", [4, 4, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string bn = builder.BatchNorm("bn", conv, 4);
        string sum = builder.Node("Add", "sum", [bn, conv]);
        ModelProto original = builder.Output(sum).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal([DyveSchema.ConvOp, "BatchNormalization", "Add"], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Contains(result.Model.Graph.Initializer, t => t.Name == "bn_scale");
        Equivalence.AssertSameOutputs(original, result.Model);
    }
}
