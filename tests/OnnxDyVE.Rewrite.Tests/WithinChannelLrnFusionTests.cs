namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// A local response normalization within channels spelled out in stock operators (as the Caffe converter writes Caffe's
/// WITHIN_CHANNEL LRN) becomes one DyveLrn: the outputs stay the original's, in the blocked layout between DyVE
/// convolutions and planar between stock nodes; where the nodes do not compute that LRN, or another node reads a tensor
/// between them, nothing changes; DyveLrn restores to stock nodes.
/// </summary>
public sealed class WithinChannelLrnFusionTests
{
    public enum Spelling
    {
        /// <summary>Mul(X, X), AveragePool, Mul(·, alpha), Add(·, bias), Log, Mul(·, -beta), Exp, Mul(X, ·): the converter's for any beta.</summary>
        LogExp,
        /// <summary>Mul(X, X), AveragePool, Mul(·, alpha), Add(·, bias), Sqrt → r, Sqrt(r), Mul(r, ·), Div(X, ·): the converter's for beta 0.75.</summary>
        SquareRoots,
        /// <summary>The square-root form with every Mul's and Add's operands the other way round, the scalars of shape [1].</summary>
        SquareRootsSwapped,
        /// <summary>As the converter wrote it before: Pow(·, -beta) for Log, Mul and Exp.</summary>
        Pow,
        /// <summary>The converter's with every binary node's operands the other way round, the scalars of shape [1].</summary>
        Swapped,
    }

    /// <summary>The LRN's nodes after <paramref name="x"/>, named lrn/...; returns its output.</summary>
    private static string AppendLrn(ModelBuilder builder, string x, Spelling spelling, int size = 3, float alpha = 2f, float beta = 0.75f, float bias = 1.5f,
        AttributeProto[]? poolAttributes = null)
    {
        bool swapped = spelling is Spelling.Swapped or Spelling.SquareRootsSwapped;
        string Scalar(string name, float value) => swapped ? builder.Constant(name, [1], [value]) : builder.Scalar(name, value);
        string[] Operands(string tensor, string constant) => swapped ? [constant, tensor] : [tensor, constant];
        long radius = size / 2;
        string squared = builder.Node("Mul", "lrn/squared", [x, x]);
        string pooled = builder.Node("AveragePool", "lrn/pooled", [squared], poolAttributes ??
            [OnnxProto.Ints("kernel_shape", size, size), OnnxProto.Ints("strides", 1, 1), OnnxProto.Ints("pads", radius, radius, radius, radius), OnnxProto.Int("count_include_pad", 1)]);
        string scaled = builder.Node("Mul", "lrn/scaled", Operands(pooled, Scalar("lrn/alpha", alpha)));
        string shifted = builder.Node("Add", "lrn/shifted", Operands(scaled, Scalar("lrn/bias", bias)));
        if (spelling is Spelling.SquareRoots or Spelling.SquareRootsSwapped)
        {
            Assert.Equal(0.75f, beta);
            string root = builder.Node("Sqrt", "lrn/root", [shifted]), fourthRoot = builder.Node("Sqrt", "lrn/fourth_root", [root]);
            return builder.Node("Div", "lrn/out", [x, builder.Node("Mul", "lrn/power", swapped ? [fourthRoot, root] : [root, fourthRoot])]);
        }
        string power = spelling == Spelling.Pow
            ? builder.Node("Pow", "lrn/power", [shifted, Scalar("lrn/minus_beta", -beta)])
            : builder.Node("Exp", "lrn/power", [builder.Node("Mul", "lrn/exponent", Operands(builder.Node("Log", "lrn/log", [shifted]), Scalar("lrn/minus_beta", -beta)))]);
        return builder.Node("Mul", "lrn/out", swapped ? [power, x] : [x, power]);
    }

    /// <summary>Conv → Relu → LRN → Conv: the LRN between two blocked DyveConvs (20 channels: a block and a part).</summary>
    private static ModelProto ConvLrnConv(Spelling spelling, int size = 3, int seed = 4, float beta = 0.75f)
    {
        var builder = new ModelBuilder(seed: seed);
        string x = builder.Input("x", 1, 3, 9, 11);
        string conv = builder.Node("Relu", "relu1", [builder.Node("Conv", "conv1", [x, builder.Weights("w1", [20, 3, 3, 3]), builder.Weights("b1", [20])], OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string normalized = AppendLrn(builder, conv, spelling, size, beta: beta);
        return builder.Output(builder.Node("Conv", "conv2", [normalized, builder.Weights("w2", [8, 20, 3, 3])])).Build();
    }

    [Theory]
    [InlineData(Spelling.LogExp, 3)]
    [InlineData(Spelling.Pow, 3)]
    [InlineData(Spelling.Swapped, 5)]
    [InlineData(Spelling.LogExp, 1)]
    [InlineData(Spelling.SquareRoots, 3)]
    [InlineData(Spelling.SquareRootsSwapped, 5)]
    public void An_lrn_between_convolutions_becomes_one_blocked_DyveLrn(Spelling spelling, int size)
    {
        ModelProto original = ConvLrnConv(spelling, size);

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        NodeProto lrn = rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.LrnOp);
        Assert.Equal(("lrn/out", DyveSchema.Domain), (lrn.Name, lrn.Domain));
        Assert.Equal(["relu1"], lrn.Input);
        float Float(string name) => lrn.Attribute.Single(a => a.Name == name).F;
        Assert.Equal(size, lrn.Attribute.Single(a => a.Name == DyveSchema.LrnSize).I);
        Assert.Equal((2f, 0.75f, 1.5f), (Float(DyveSchema.LrnAlpha), Float(DyveSchema.LrnBeta), Float(DyveSchema.LrnBias)));
        Assert.Equal(DyveSchema.Layouts.Blocked, lrn.Attribute.Single(a => a.Name == DyveSchema.InputLayout).S.ToStringUtf8());
        Assert.Equal(DyveSchema.Layouts.Blocked, lrn.Attribute.Single(a => a.Name == DyveSchema.OutputLayout).S.ToStringUtf8());
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.Name.StartsWith("lrn/", StringComparison.Ordinal) && n != lrn);
        Assert.DoesNotContain(rewritten.Graph.Initializer, t => t.Name.StartsWith("lrn/", StringComparison.Ordinal));
        RewrittenNode reported = result.Report.Rewritten.Single(r => r.NewOp == DyveSchema.LrnOp);
        Assert.Equal(spelling == Spelling.Pow ? 5 : 7, reported.Fused.Count);
        Assert.All(reported.Fused, f => Assert.Equal(FusionKind.NormalizationFused, f.Kind));
        Assert.DoesNotContain(result.Report.Skipped, s => s.Name == "lrn/out");
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2, 3);
        Assert.Equal(rewritten, DyveRewriter.Rewrite(rewritten).Model);
    }

    /// <summary>An LRN of a graph input, read by a stock node: a planar DyveLrn, no convolution needed; its alpha a Constant node, which goes with it.</summary>
    [Fact]
    public void An_lrn_between_stock_nodes_runs_planar()
    {
        var builder = new ModelBuilder(seed: 6);
        string x = builder.Input("x", 2, 5, 7, 19);
        string normalized = AppendLrn(builder, x, Spelling.LogExp, size: 5, alpha: 3f);
        builder.AsConstantNode("lrn/alpha");
        ModelProto original = builder.Output(builder.Node("Relu", "relu", [normalized])).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal([DyveSchema.LrnOp, "Relu"], rewritten.Graph.Node.Select(n => n.OpType));
        NodeProto lrn = rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.LrnOp);
        Assert.DoesNotContain(lrn.Attribute, a => a.Name is DyveSchema.InputLayout or DyveSchema.OutputLayout);
        Assert.Contains(rewritten.OpsetImport, o => o.Domain == DyveSchema.Domain);
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
    }

    /// <summary>Windows that are not an LRN's (a stride, padding not counted, not square, a vector of alphas, two tensors squared) stay stock.</summary>
    [Theory]
    [InlineData("stride")]
    [InlineData("padding not counted")]
    [InlineData("not square")]
    [InlineData("alpha per channel")]
    [InlineData("another tensor squared")]
    [InlineData("one square root")]
    [InlineData("x divided into")]
    [InlineData("another tensor's square root")]
    public void What_is_not_that_lrn_stays_stock(string variant)
    {
        var builder = new ModelBuilder(seed: 9);
        string x = builder.Input("x", 1, 4, 8, 8);
        AttributeProto[]? pool = variant switch
        {
            "stride" => [OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("strides", 2, 2), OnnxProto.Ints("pads", 1, 1, 1, 1), OnnxProto.Int("count_include_pad", 1)],
            "padding not counted" => [OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("pads", 1, 1, 1, 1)],
            "not square" => [OnnxProto.Ints("kernel_shape", 3, 5), OnnxProto.Ints("pads", 1, 2, 1, 2), OnnxProto.Int("count_include_pad", 1)],
            _ => null,
        };
        bool roots = variant is "one square root" or "x divided into" or "another tensor's square root";
        string output = AppendLrn(builder, x, roots ? Spelling.SquareRoots : Spelling.LogExp, poolAttributes: pool);
        NodeProto Node(string name) => builder.Graph.Node.Single(n => n.Name == name);
        if (variant == "one square root") Node("lrn/power").Input[1] = "lrn/root"; // s^-0.5 * ... : r * r, not r * sqrt r
        if (variant == "x divided into")
        {
            NodeProto divide = Node("lrn/out");
            (divide.Input[0], divide.Input[1]) = (divide.Input[1], divide.Input[0]);
        }
        if (variant == "another tensor's square root") Node("lrn/fourth_root").Input[0] = builder.Node("Sqrt", "other", [x]);
        if (variant == "alpha per channel")
        {
            TensorProto alpha = builder.Graph.Initializer.Single(t => t.Name == "lrn/alpha");
            builder.Graph.Initializer.Remove(alpha);
            builder.Constant("lrn/alpha", [1, 4, 1, 1], [1f, 2f, 3f, 4f]);
        }
        if (variant == "another tensor squared")
            builder.Graph.Node.Single(n => n.Name == "lrn/squared").Input[1] = builder.Node("Relu", "other", [x]);
        ModelProto original = builder.Output(output).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.DoesNotContain(rewritten.Graph.Node, n => n.OpType == DyveSchema.LrnOp);
        Assert.Equal(original.Graph.Node.Count, rewritten.Graph.Node.Count);
        if (variant != "stride") Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    /// <summary>A tensor between the LRN's nodes that another node reads, or that is a graph output, keeps them all.</summary>
    [Theory]
    [InlineData(Spelling.Pow, "lrn/shifted", false)]
    [InlineData(Spelling.Pow, "lrn/pooled", true)]
    [InlineData(Spelling.SquareRoots, "lrn/root", false)]
    [InlineData(Spelling.SquareRoots, "lrn/root", true)]
    [InlineData(Spelling.SquareRoots, "lrn/fourth_root", true)]
    public void A_tensor_read_elsewhere_keeps_the_lrn_stock(Spelling spelling, string tensor, bool readByNode)
    {
        var builder = new ModelBuilder(seed: 12);
        string x = builder.Input("x", 1, 4, 6, 6);
        string output = AppendLrn(builder, x, spelling);
        builder.Output(output);
        builder.Output(readByNode ? builder.Node("Relu", "other", [tensor]) : tensor);
        ModelProto original = builder.Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.DoesNotContain(rewritten.Graph.Node, n => n.OpType == DyveSchema.LrnOp);
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    /// <summary>Restored as the converter writes it: by two square roots where beta is 0.75, by Log and Exp otherwise.</summary>
    [Theory]
    [InlineData(0.75f, new[] { "Sqrt", "Sqrt", "Mul", "Div" })]
    [InlineData(0.6f, new[] { "Log", "Mul", "Exp", "Mul" })]
    public void A_DyveLrn_restores_to_stock_nodes_with_the_same_outputs(float beta, string[] power)
    {
        ModelProto original = ConvLrnConv(Spelling.Pow, size: 5, seed: 8, beta: beta);
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        ModelProto restored = StockRestorer.Restore(rewritten);

        Assert.DoesNotContain(restored.Graph.Node, n => n.Domain == DyveSchema.Domain);
        Assert.Equal(["Conv", "Relu", "Mul", "AveragePool", "Mul", "Add", .. power, "Conv"], restored.Graph.Node.Select(n => n.OpType));
        Assert.Equal("lrn/out", restored.Graph.Node[^2].Name);
        Equivalence.AssertSameOutputs(original, restored, 1, 2);
        Assert.Equal(rewritten.Graph.Node.Select(n => n.OpType), DyveRewriter.Rewrite(restored).Model.Graph.Node.Select(n => n.OpType));
    }
}
