namespace OnnxDyVE.Rewrite.Tests;

/// <summary>Nodes no DyVE operator can take are left exactly as they were, each with its reason in the report.</summary>
public sealed class SkippedNodeTests
{
    [Fact]
    public void Unsupported_candidates_stay_with_their_reasons()
    {
        var builder = new ModelBuilder();
        string x1 = builder.Input("x1", 1, 4, 10);
        string w = builder.Input("w", 4, 4, 3, 3);
        string x2 = builder.Input("x2", 1, 4, 6, 6);
        string a3 = builder.Input("a3", 2, 3, 5);
        string a = builder.Input("a", 3, 5);
        builder.Output(builder.Node("Conv", "conv1d", [x1, builder.Weights("w1d", [2, 4, 3])]));
        builder.Output(builder.Node("Conv", "runtime_weights", [x2, w]));
        builder.Output(builder.Node("MatMul", "batched", [a3, builder.Weights("b3", [5, 2])]));
        builder.Output(builder.Node("MatMul", "two_inputs", [a, builder.Input("b", 5, 2)]));
        builder.Output(builder.Node("Gemm", "gemm_runtime_b", [a, builder.Input("gb", 5, 2)]));
        builder.Output(builder.Node("ConvTranspose", "deconv", [x2, builder.Weights("wt", [4, 2, 3, 3])]));
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(original.Graph, result.Model.Graph);
        Assert.Empty(result.Report.Rewritten);
        Dictionary<string, string> reasons = result.Report.Skipped.ToDictionary(s => s.Name, s => s.Reason);
        Assert.Contains("2-D convolutions", reasons["conv1d"]);
        Assert.Contains("'w' is a graph input", reasons["runtime_weights"]);
        Assert.Contains("A has rank 3", reasons["batched"]);
        Assert.Contains("'b' is a graph input", reasons["two_inputs"]);
        Assert.Contains("'gb' is a graph input", reasons["gemm_runtime_b"]);
        Assert.Equal("no DyVE operator for ConvTranspose", reasons["deconv"]);
        Assert.All(result.Report.Skipped.Where(s => s.Name != "deconv"), s => Assert.True(s.IsCandidate));
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_depthwise_conv_stays_and_a_grouped_one_is_rewritten()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 1, 4, 6, 6);
        builder.Output(builder.Node("Conv", "depthwise", [x, builder.Weights("wd", [4, 1, 3, 3])], OnnxProto.Int("group", 4)));
        builder.Output(builder.Node("Conv", "grouped", [x, builder.Weights("wg", [8, 2, 3, 3])], OnnxProto.Int("group", 2)));
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal("grouped", Assert.Single(result.Report.Rewritten).Name);
        Assert.Contains("depthwise", Assert.Single(result.Report.Skipped, s => s.Name == "depthwise").Reason);
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_MatMul_whose_A_has_no_known_rank_stays_and_an_Add_that_is_no_Gemm_bias_is_not_fused()
    {
        var builder = new ModelBuilder();
        string transposed = builder.Node("Transpose", "transpose", [builder.Input("a", 4, 3)]);
        builder.Output(builder.Node("MatMul", "unknown_rank", [transposed, builder.Weights("b1", [4, 2])]));
        string y = builder.Node("MatMul", "known_rank", [builder.Input("a2", 3, 4), builder.Weights("b2", [4, 2])]);
        builder.Output(builder.Node("Add", "per_row_bias", [y, builder.Weights("rows", [3, 2])]));
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal("known_rank", Assert.Single(result.Report.Rewritten).Name);
        Dictionary<string, string> reasons = result.Report.Skipped.ToDictionary(s => s.Name, s => s.Reason);
        Assert.Contains("A's rank is unknown", reasons["unknown_rank"]);
        Assert.Contains("'rows' has shape [3, 2], which is not a Gemm bias for N = 2", reasons["per_row_bias"]);
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_batch_norm_in_training_mode_is_not_folded()
    {
        var builder = new ModelBuilder(opset: 14);
        string y = builder.Node("Conv", "conv", [builder.Input("x", 1, 2, 5, 5), builder.Weights("w", [3, 2, 3, 3])]);
        y = builder.BatchNorm("bn", y, 3);
        builder.Graph.Node[^1].Attribute.Add(OnnxProto.Int("training_mode", 1));
        builder.Output(y);

        RewriteResult result = DyveRewriter.Rewrite(builder.Build());

        Assert.Empty(Assert.Single(result.Report.Rewritten).Fused);
        Assert.Equal("not fused into 'conv': training_mode is 1", Assert.Single(result.Report.Skipped).Reason);
    }

    [Fact]
    public void An_initializer_the_caller_may_override_is_not_a_constant()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 1, 2, 5, 5);
        string w = builder.Weights("w", [3, 2, 3, 3]);
        builder.Graph.Input.Add(OnnxProto.FloatValue(w, [3, 2, 3, 3]));
        builder.Output(builder.Node("Conv", "conv", [x, w]));

        RewriteResult result = DyveRewriter.Rewrite(builder.Build());

        Assert.Contains("may override", Assert.Single(result.Report.Skipped).Reason);
    }

    [Fact]
    public void Before_IR_4_an_initializer_listed_as_input_is_a_constant_and_leaves_with_its_input()
    {
        var builder = new ModelBuilder(opset: 8);
        string x = builder.Input("x", 1, 2, 5, 5);
        string w = builder.Weights("w", [3, 2, 3, 3]);
        string y = builder.BatchNorm("bn", builder.Node("Conv", "conv", [x, w]), 3);
        foreach (TensorProto initializer in builder.Graph.Initializer)
            builder.Graph.Input.Add(OnnxProto.FloatValue(initializer.Name, [.. initializer.Dims]));
        ModelProto original = builder.Output(y).Build();
        original.IrVersion = 3;

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Single(result.Report.Rewritten);
        // The folded weights replace w and the batch norm's parameters: their inputs go with them, x stays. The
        // effort input is listed too, as IR 3 requires of every initializer (it is then a constant: the default).
        Assert.Equal(["x", EffortInput.Name], result.Model.Graph.Input.Select(i => i.Name));
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void A_clip_with_bounds_computed_at_run_time_stays_and_the_conv_is_rewritten()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 1, 2, 5, 5);
        string y = builder.Node("Conv", "conv", [x, builder.Weights("w", [3, 2, 3, 3])]);
        y = builder.Node("Clip", "clip", [y, builder.Input("low"), builder.Scalar("high", 1f)]);
        builder.Graph.Input[^1] = OnnxProto.FloatValue("low", []);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Single(result.Report.Rewritten);
        Assert.Contains("Clip's min 'low' is a graph input", Assert.Single(result.Report.Skipped).Reason);
        Equivalence.AssertSameOutputs(original, result.Model);
    }
}
