namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// The blocked layout the rewriter gives tensors that flow only between exact DyveConv nodes: which tensors get it,
/// which do not and why, and that the model computes what the original does either way.
/// </summary>
public sealed class BlockedLayoutTests
{
    /// <summary>
    /// A fire module (squeeze, two expands, Concat on channels) between a first convolution and a pooled,
    /// padded 1x1 classifier, as in SqueezeNet: the squeeze's and expands' tensors and the Concat are blocked; the
    /// first convolution's output (read by the squeeze only) too, the pooled convolution's, and the DyveMaxPool's, which
    /// the padded 1x1 classifier reads blocked (its output is planar and its weights finite: it computes only its
    /// interior); the graph output is not.
    /// </summary>
    [Fact]
    public void A_fire_module_is_blocked_between_its_convolutions_and_nowhere_else()
    {
        var builder = new ModelBuilder(seed: 3);
        string x = builder.Input("x", 2, 3, 15, 15);
        string y = builder.Node("Relu", "relu1", [builder.Node("Conv", "conv1", [x, builder.Weights("w1", [32, 3, 3, 3]), builder.Weights("b1", [32])],
            OnnxProto.Ints("strides", 2, 2))]);
        string squeeze = builder.Node("Relu", "squeeze_relu", [builder.Node("Conv", "squeeze", [y, builder.Weights("ws", [16, 32, 1, 1]), builder.Weights("bs", [16])])]);
        string left = builder.Node("Relu", "left_relu", [builder.Node("Conv", "left", [squeeze, builder.Weights("wl", [32, 16, 1, 1]), builder.Weights("bl", [32])])]);
        string right = builder.Node("Relu", "right_relu", [builder.Node("Conv", "right", [squeeze, builder.Weights("wr", [16, 16, 3, 3]), builder.Weights("br", [16])],
            OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string joined = builder.Node("Concat", "concat", [left, right], OnnxProto.Int("axis", 1));
        string next = builder.Node("Conv", "next", [joined, builder.Weights("wn", [24, 48, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string pooled = builder.Node("MaxPool", "pool", [next], OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2));
        string classifier = builder.Node("Conv", "classifier", [pooled, builder.Weights("wc", [10, 24, 1, 1])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        ModelProto original = builder.Output(classifier).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(["relu1", "squeeze_relu", "left_relu", "right_relu", "concat", "next", "pool"], BlockedTensors(rewritten));
        Assert.Equal(7, result.Report.BlockedTensors);
        Assert.Equal((Planar, Blocked), Layouts(rewritten, "conv1"));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "squeeze"));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "left"));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "next"));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "pool"));
        Assert.Equal(DyveSchema.MaxPoolOp, rewritten.Graph.Node.Single(n => n.Name == "pool").OpType);
        Assert.Equal((Blocked, Planar), Layouts(rewritten, "classifier"));
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
    }

    /// <summary>
    /// A padded 1x1 convolution reads blocked maps only where it can compute just its interior: not with an infinite
    /// weight (the dense product's border is then NaN, which only computing it gives), nor where its own output is
    /// blocked (the interior is stored into planar maps).
    /// </summary>
    [Fact]
    public void A_padded_1x1_convolution_reads_blocked_maps_only_where_it_computes_its_interior()
    {
        var builder = new ModelBuilder(seed: 9);
        string x = builder.Input("x", 1, 8, 7, 7);
        string a = builder.Node("Conv", "a", [x, builder.Weights("wa", [16, 8, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        var infinite = new float[16 * 16];
        infinite[5] = float.PositiveInfinity;
        string b = builder.Node("Conv", "b", [a, builder.Constant("wb", [16, 16, 1, 1], infinite)], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string c = builder.Node("Conv", "c", [x, builder.Weights("wc", [16, 8, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string d = builder.Node("Conv", "d", [c, builder.Weights("wd", [16, 16, 1, 1])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string e = builder.Node("Conv", "e", [d, builder.Weights("we", [16, 16, 3, 3])]);
        ModelProto original = builder.Output(b).Output(e).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal((Planar, Planar), Layouts(rewritten, "b"));
        Assert.Equal((Planar, Planar), Layouts(rewritten, "a"));
        // d's output is blocked (e reads it), so d reads planar maps.
        Assert.Equal((Planar, Blocked), Layouts(rewritten, "d"));
        Assert.Equal((Blocked, Planar), Layouts(rewritten, "e"));
    }

    /// <summary>A Concat joins whole blocks only: a part of 24 channels keeps it and every part planar.</summary>
    [Fact]
    public void A_concat_of_a_part_that_is_not_whole_blocks_stays_planar()
    {
        var builder = new ModelBuilder(seed: 4);
        string x = builder.Input("x", 1, 8, 9, 9);
        string a = builder.Node("Conv", "a", [x, builder.Weights("wa", [16, 8, 1, 1])]);
        string b = builder.Node("Conv", "b", [x, builder.Weights("wb", [24, 8, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string joined = builder.Node("Concat", "concat", [a, b], OnnxProto.Int("axis", -3));
        string y = builder.Node("Conv", "c", [joined, builder.Weights("wc", [8, 40, 1, 1])]);
        ModelProto original = builder.Output(y).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Empty(BlockedTensors(rewritten));
        Assert.Equal(-3, rewritten.Graph.Node.Single(n => n.Name == "concat").Attribute.Single(a => a.Name == "axis").I);
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    /// <summary>
    /// A negative Concat axis becomes 1 when the Concat is blocked (-3 would now name the height); a tensor a stock node
    /// also reads, a group convolution's, and one an approximate mechanism's node reads all stay planar.
    /// </summary>
    [Fact]
    public void Only_tensors_between_exact_one_group_DyveConvs_are_blocked()
    {
        var builder = new ModelBuilder(seed: 5);
        string x = builder.Input("x", 1, 16, 10, 10);
        string a = builder.Node("Conv", "a", [x, builder.Weights("wa", [16, 16, 1, 1])]);
        string b = builder.Node("Conv", "b", [x, builder.Weights("wb", [16, 16, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string joined = builder.Node("Concat", "concat", [a, b], OnnxProto.Int("axis", -3));
        string c = builder.Node("Conv", "c", [joined, builder.Weights("wc", [32, 32, 1, 1])]);
        string shared = builder.Node("Conv", "shared", [c, builder.Weights("wd", [16, 32, 1, 1])]);
        string sum = builder.Node("Add", "add", [shared, builder.Node("Conv", "e", [shared, builder.Weights("we", [16, 16, 1, 1])])]);
        string grouped = builder.Node("Conv", "grouped", [sum, builder.Weights("wg", [16, 8, 3, 3])], OnnxProto.Int("group", 2), OnnxProto.Ints("pads", 1, 1, 1, 1));
        string sampled = builder.Node("Conv", "sampled", [grouped, builder.Weights("wf", [16, 16, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string y = builder.Node("Conv", "last", [sampled, builder.Weights("wz", [16, 16, 1, 1])]);
        ModelProto original = builder.Output(y).Build();
        ModelProto planar = BlockedLayout.Remove(DyveRewriter.Rewrite(original).Model);
        NodeProto node = planar.Graph.Node.Single(n => n.Name == "sampled");
        node.Attribute.Add(OnnxProto.Float(DyveSchema.SdssDelta, 0.1f));

        ModelProto blocked = BlockedLayout.Apply(planar, out int count);

        // "shared" is also read by Add; "grouped" writes the one tensor "sampled" reads; "sampled" runs SDSS.
        Assert.Equal(["a", "b", "concat", "c"], BlockedTensors(blocked));
        Assert.Equal(4, count);
        Assert.Equal(1, blocked.Graph.Node.Single(n => n.Name == "concat").Attribute.Single(a => a.Name == "axis").I);
        Equivalence.AssertSameOutputs(original, blocked, 1);
    }

    /// <summary>A long reduction (K 257 x 9) is blocked like any other: position tiles run any K on blocked maps.</summary>
    [Fact]
    public void A_convolution_with_a_long_reduction_reads_and_writes_blocked_maps()
    {
        var builder = new ModelBuilder(seed: 8);
        string x = builder.Input("x", 1, 8, 6, 6);
        string a = builder.Node("Conv", "a", [x, builder.Weights("wa", [257, 8, 1, 1])]);
        string b = builder.Node("Conv", "b", [a, builder.Weights("wb", [16, 257, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string c = builder.Node("Conv", "c", [b, builder.Weights("wc", [16, 16, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string y = builder.Node("Conv", "d", [c, builder.Weights("wd", [8, 16, 1, 1])]);
        ModelProto original = builder.Output(y).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal([a, b, c], BlockedTensors(rewritten));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "b"));
        Equivalence.AssertSameOutputs(original, rewritten, 1);
    }

    /// <summary>
    /// A MaxPool between blocked convolutions keeps the maps blocked on both sides (a DyveMaxPool); one DyveMaxPool does not
    /// compute (ceil rounding) stays ONNX's, with planar maps around it; restoring gives ONNX MaxPool back.
    /// </summary>
    [Fact]
    public void Max_pools_between_convolutions_keep_the_maps_blocked()
    {
        var builder = new ModelBuilder(seed: 9);
        string x = builder.Input("x", 2, 3, 21, 21);
        string a = builder.Node("Relu", "a_relu", [builder.Node("Conv", "a", [x, builder.Weights("wa", [20, 3, 3, 3]), builder.Weights("ba", [20])])]);
        string pooled = builder.Node("MaxPool", "pool", [a], OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("strides", 2, 2), OnnxProto.Ints("pads", 1, 0, 1, 1));
        string b = builder.Node("Relu", "b_relu", [builder.Node("Conv", "b", [pooled, builder.Weights("wb", [16, 20, 1, 1]), builder.Weights("bb", [16])])]);
        string ceiled = builder.Node("MaxPool", "ceiled", [b], OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2), OnnxProto.Int("ceil_mode", 1));
        string y = builder.Node("Conv", "c", [ceiled, builder.Weights("wc", [8, 16, 3, 3])]);
        ModelProto original = builder.Output(y).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(["a_relu", "pool"], BlockedTensors(rewritten));
        Assert.Equal(["a", "pool", "b", "c"], result.Report.Rewritten.Select(n => n.Name));
        Assert.Equal(("MaxPool", DyveSchema.MaxPoolOp), result.Report.Rewritten.Where(n => n.Name == "pool").Select(n => (n.OriginalOp, n.NewOp)).Single());
        Assert.Equal(["ceiled"], result.Report.Skipped.Where(n => n.OpType == "MaxPool").Select(n => n.Name));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "pool"));
        Assert.Equal(20, rewritten.Graph.Node.Single(n => n.Name == "pool").Attribute.Single(a => a.Name == DyveSchema.Channels).I);
        Assert.Equal((Blocked, Planar), Layouts(rewritten, "b"));
        Assert.Equal("MaxPool", rewritten.Graph.Node.Single(n => n.Name == "ceiled").OpType);
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
        ModelProto restored = StockRestorer.Restore(rewritten);
        Assert.Equal(["MaxPool", "MaxPool"], restored.Graph.Node.Where(n => n.OpType.Contains("Pool")).Select(n => n.OpType));
        Assert.DoesNotContain(restored.Graph.Node, n => n.Domain == DyveSchema.Domain);
        Equivalence.AssertSameOutputs(original, restored, 1);
    }

    /// <summary>
    /// Average pools (cifar10's AVE pooling) do the same as max pools: between blocked convolutions a DyveAveragePool with
    /// its count_include_pad, either way, blocked on both sides or into planar maps for a stock reader; one in ceil rounding
    /// stays ONNX's. The outputs are ORT's and restoring gives AveragePool back with its attributes.
    /// </summary>
    [Fact]
    public void Average_pools_between_convolutions_keep_the_maps_blocked()
    {
        var builder = new ModelBuilder(seed: 10);
        string x = builder.Input("x", 2, 3, 19, 19);
        string a = builder.Node("Relu", "a_relu", [builder.Node("Conv", "a", [x, builder.Weights("wa", [20, 3, 3, 3]), builder.Weights("ba", [20])])]);
        // Padded, windows not counting the padding (Caffe's ceil rounding written as an end pad), then counting it.
        string pooled = builder.Node("AveragePool", "pool", [a], OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("strides", 2, 2),
            OnnxProto.Ints("pads", 0, 1, 1, 1), OnnxProto.Int("count_include_pad", 0));
        string b = builder.Node("Relu", "b_relu", [builder.Node("Conv", "b", [pooled, builder.Weights("wb", [16, 20, 1, 1]), builder.Weights("bb", [16])])]);
        string counted = builder.Node("AveragePool", "counted", [b], OnnxProto.Ints("kernel_shape", 2, 3), OnnxProto.Ints("strides", 1, 2),
            OnnxProto.Ints("pads", 1, 1, 0, 2), OnnxProto.Int("count_include_pad", 1));
        string c = builder.Node("Conv", "c", [counted, builder.Weights("wc", [16, 16, 3, 3])]);
        string ceiled = builder.Node("AveragePool", "ceiled", [c], OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2), OnnxProto.Int("ceil_mode", 1));
        ModelProto original = builder.Output(builder.Node("Flatten", "flatten", [ceiled])).Build();

        RewriteResult result = DyveRewriter.Rewrite(original);
        ModelProto rewritten = result.Model;

        Assert.Equal(["a_relu", "pool", "b_relu", "counted"], BlockedTensors(rewritten));
        Assert.Equal([("pool", DyveSchema.AveragePoolOp), ("counted", DyveSchema.AveragePoolOp)],
            result.Report.Rewritten.Where(n => n.OriginalOp == "AveragePool").Select(n => (n.Name, n.NewOp)));
        Assert.Equal(["ceiled"], result.Report.Skipped.Where(n => n.OpType == "AveragePool").Select(n => n.Name));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "pool"));
        Assert.Equal(1, rewritten.Graph.Node.Single(n => n.Name == "counted").Attribute.Single(a => a.Name == "count_include_pad").I);
        Assert.Equal((Blocked, Planar), Layouts(rewritten, "c"));
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
        ModelProto restored = StockRestorer.Restore(rewritten);
        Assert.Equal(["AveragePool", "AveragePool", "AveragePool"], restored.Graph.Node.Where(n => n.OpType.Contains("Pool")).Select(n => n.OpType));
        Assert.Equal(1, restored.Graph.Node.Single(n => n.Name == "counted").Attribute.Single(a => a.Name == "count_include_pad").I);
        Assert.DoesNotContain(restored.Graph.Node, n => n.Domain == DyveSchema.Domain);
        Equivalence.AssertSameOutputs(original, restored, 1);
    }

    /// <summary>
    /// A residual block (conv, conv, Add of its input, Relu) between blocked convolutions stays blocked throughout; an Add
    /// of tensors with different channel counts (a broadcast) and the Relu before a Flatten do not.
    /// </summary>
    [Fact]
    public void Residual_adds_and_relus_between_convolutions_keep_the_maps_blocked()
    {
        var builder = new ModelBuilder(seed: 12);
        string x = builder.Input("x", 2, 3, 12, 12);
        string stem = builder.Node("Relu", "stem_relu", [builder.Node("Conv", "stem", [x, builder.Weights("ws", [16, 3, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string a = builder.Node("Relu", "a_relu", [builder.Node("Conv", "a", [stem, builder.Weights("wa", [16, 16, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1))]);
        string b = builder.Node("Conv", "b", [a, builder.Weights("wb", [16, 16, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string sum = builder.Node("Add", "sum", [b, stem]);
        string block = builder.Node("Relu", "block_relu", [sum]);
        string narrow = builder.Node("Conv", "narrow", [block, builder.Weights("wn", [1, 16, 1, 1])]);
        string wide = builder.Node("Conv", "wide", [block, builder.Weights("ww", [16, 16, 1, 1])]);
        string broadcast = builder.Node("Add", "broadcast", [wide, narrow]);
        string y = builder.Node("Conv", "last", [builder.Node("Relu", "last_relu", [broadcast]), builder.Weights("wl", [4, 16, 3, 3])]);
        y = builder.Node("Flatten", "flatten", [builder.Node("Relu", "out_relu", [y])]);
        ModelProto original = builder.Output(y).Build();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal((Blocked, Planar), Layouts(rewritten, "wide"));
        Assert.Equal((Blocked, Planar), Layouts(rewritten, "narrow"));
        Assert.Equal((Blocked, Blocked), Layouts(rewritten, "b"));
        Assert.Equal((Planar, Blocked), Layouts(rewritten, "stem"));
        Assert.Equal((Planar, Planar), Layouts(rewritten, "last"));
        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
    }

    [Fact]
    public void Applying_twice_changes_nothing_and_removing_gives_back_the_planar_model()
    {
        var builder = new ModelBuilder(seed: 6);
        string x = builder.Input("x", 1, 4, 8, 8);
        string a = builder.Node("Conv", "a", [x, builder.Weights("wa", [16, 4, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        string y = builder.Node("Conv", "b", [a, builder.Weights("wb", [8, 16, 1, 1])]);
        ModelProto original = builder.Output(y).Build();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal(rewritten, BlockedLayout.Apply(rewritten, out int count));
        Assert.Equal(1, count);
        Assert.Equal(rewritten, DyveRewriter.Rewrite(rewritten).Model);
        ModelProto planar = BlockedLayout.Remove(rewritten);
        Assert.Empty(BlockedTensors(planar));
        Assert.All(planar.Graph.Node, n => Assert.DoesNotContain(n.Attribute, a => a.Name is DyveSchema.InputLayout or DyveSchema.OutputLayout));
        Equivalence.AssertSameOutputs(original, planar, 1);
        Equivalence.AssertSameOutputs(original, StockRestorer.Restore(rewritten), 1);
    }

    private const string Planar = DyveSchema.Layouts.Planar;
    private const string Blocked = DyveSchema.Layouts.Blocked;

    private static (string Input, string Output) Layouts(ModelProto model, string node)
    {
        NodeProto n = model.Graph.Node.Single(n => n.Name == node);
        string Get(string name) => n.Attribute.SingleOrDefault(a => a.Name == name)?.S.ToStringUtf8() ?? Planar;
        return (Get(DyveSchema.InputLayout), Get(DyveSchema.OutputLayout));
    }

    /// <summary>The tensors written blocked (by a DyveConv or a DyVE pool whose output is blocked, or a Concat of blocked tensors), in graph order.</summary>
    private static List<string> BlockedTensors(ModelProto model)
    {
        var blocked = new List<string>();
        foreach (NodeProto node in model.Graph.Node)
        {
            bool written = node.OpType is DyveSchema.ConvOp or DyveSchema.MaxPoolOp or DyveSchema.AveragePoolOp
                ? node.Attribute.Any(a => a.Name == DyveSchema.OutputLayout && a.S.ToStringUtf8() == Blocked)
                : node.OpType == "Concat" && node.Input.All(blocked.Contains);
            if (written) blocked.Add(node.Output[0]);
        }
        return blocked;
    }
}
