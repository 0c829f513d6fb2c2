namespace OnnxDyVE.Rewrite.Tests;

/// <summary>Gemm, and MatMul (+ Add of a constant bias), (+ activation) become one DyveGemm computing the same outputs.</summary>
public sealed class GemmRewriteTests
{
    private const int M = 3, K = 20, N = 7;

    public static TheoryData<bool, bool, string, ActivationCase> GemmCases() => new()
    {
        // transA, transB, C shape ("" for no C; "x" separated dims; "scalar"), activation
        { false, false, "", ActivationCase.None },
        { false, true, "7", ActivationCase.Relu },
        { true, false, "1x7", ActivationCase.LeakyRelu },
        { true, true, "3x7", ActivationCase.ClipInputs },
        { false, true, "3x1", ActivationCase.ClipAttributes },
        { false, false, "scalar", ActivationCase.ClipMinOnly },
    };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Rewritten_gemm_matches_the_original(bool transA, bool transB, string cShape, ActivationCase activation)
    {
        var builder = new ModelBuilder(Activations.Opset(activation), seed: cShape.Length + (transA ? 2 : 0) + (transB ? 4 : 0));
        string a = builder.Input("a", transA ? [K, M] : [M, K]);
        string b = builder.Weights("b", transB ? [N, K] : [K, N]);
        string[] inputs = cShape.Length == 0 ? [a, b]
            : [a, b, builder.Weights("c", cShape == "scalar" ? [] : [.. cShape.Split('x').Select(long.Parse)])];
        string y = builder.Node("Gemm", "gemm", inputs, OnnxProto.Float("alpha", 0.75f), OnnxProto.Float("beta", 1.5f),
            OnnxProto.Int("transA", transA ? 1 : 0), OnnxProto.Int("transB", transB ? 1 : 0));
        y = Activations.Append(builder, activation, y);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        NodeProto dyve = Assert.Single(result.Model.Graph.Node);
        Assert.Equal((DyveSchema.GemmOp, "gemm", y), (dyve.OpType, dyve.Name, dyve.Output[0]));
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    public static TheoryData<string, bool, ActivationCase> MatMulCases() => new()
    {
        // bias shape ("" for a MatMul alone), bias as Add's first input, activation
        { "", false, ActivationCase.None },
        { "", false, ActivationCase.Relu },
        { "7", false, ActivationCase.None },
        { "1x7", true, ActivationCase.Relu },
        { "7", true, ActivationCase.ClipInputs },
        { "scalar", false, ActivationCase.LeakyRelu },
    };

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void Rewritten_matmul_matches_the_original(string biasShape, bool biasFirst, ActivationCase activation)
    {
        var builder = new ModelBuilder(Activations.Opset(activation), seed: biasShape.Length + (biasFirst ? 10 : 0));
        string a = builder.Input("a", M, K);
        string y = builder.Node("MatMul", "matmul", [a, builder.Weights("b", [K, N])]);
        if (biasShape.Length > 0)
        {
            string bias = builder.Weights("bias", biasShape == "scalar" ? [] : [.. biasShape.Split('x').Select(long.Parse)]);
            y = builder.Node("Add", "add", biasFirst ? [bias, y] : [y, bias]);
        }
        y = Activations.Append(builder, activation, y);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        NodeProto dyve = Assert.Single(result.Model.Graph.Node);
        Assert.Equal((DyveSchema.GemmOp, "matmul", y), (dyve.OpType, dyve.Name, dyve.Output[0]));
        // C, or the empty name where there is none, then the effort.
        Assert.Equal(4, dyve.Input.Count);
        Assert.Equal(biasShape.Length > 0, dyve.Input[2].Length > 0);
        Assert.Equal(EffortInput.Name, dyve.Input[EffortInput.GemmInputIndex]);
        Equivalence.AssertSameOutputs(original, result.Model, 1, 2);
    }

    [Fact]
    public void A_bias_written_between_MatMul_and_Add_is_written_before_the_DyveGemm()
    {
        var builder = new ModelBuilder();
        string y = builder.Node("MatMul", "matmul", [builder.Input("a", M, K), builder.Weights("b", [K, N])]);
        builder.Graph.Node.Add(OnnxProto.Node("Constant", "", "bias_constant", [], ["bias"],
            [new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxProto.FloatTensor("", [N], new float[N]) }]));
        y = builder.Node("Add", "add", [y, "bias"]);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(["Constant", DyveSchema.GemmOp], result.Model.Graph.Node.Select(n => n.OpType));
        Equivalence.AssertSameOutputs(original, result.Model);
    }

    [Fact]
    public void MatMul_after_flatten_is_rewritten_without_declared_shapes()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 2, 3, 4, 5);
        string flat = builder.Node("Flatten", "flatten", [x], OnnxProto.Int("axis", 1));
        string y = builder.Node("MatMul", "fc", [flat, builder.Weights("w", [60, 10])]);
        y = builder.Node("Add", "fc_bias", [y, builder.Weights("bias", [10])]);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(["Flatten", DyveSchema.GemmOp], result.Model.Graph.Node.Select(n => n.OpType));
        Equivalence.AssertSameOutputs(original, result.Model);
    }
}
