using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Rewrite.Tests;

/// <summary>
/// The effort input the rewriter gives a model: one float scalar graph input, <c>dyve_effort</c>, with an initializer
/// of the same name holding the default 0, read by every DyveConv and DyveGemm as its input 3; a run may feed it or
/// leave it out.
/// </summary>
public sealed class EffortInputTests
{
    /// <summary>Two convolutions (one with a bias, one without), an activation, and a Gemm.</summary>
    private static ModelProto Network(long irVersion = 7)
    {
        var builder = new ModelBuilder(seed: 21);
        string x = builder.Input("x", 1, 3, 8, 8);
        string y = builder.Node("Conv", "conv1", [x, builder.Weights("w1", [6, 3, 3, 3]), builder.Weights("b1", [6])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.Node("Relu", "relu1", [y]);
        y = builder.Node("Conv", "conv2", [y, builder.Weights("w2", [4, 6, 3, 3])], OnnxProto.Ints("strides", 2, 2));
        y = builder.Node("Flatten", "flatten", [y]);
        y = builder.Node("Gemm", "fc", [y, builder.Weights("fc_w", [36, 5]), builder.Weights("fc_b", [5])]);
        ModelProto model = builder.Output(y).Build();
        model.IrVersion = irVersion;
        if (irVersion < 4)
            foreach (TensorProto initializer in model.Graph.Initializer)
                model.Graph.Input.Add(OnnxProto.FloatValue(initializer.Name, [.. initializer.Dims]));
        return model;
    }

    [Fact]
    public void Every_DyveConv_and_DyveGemm_reads_one_effort_input_whose_default_is_0()
    {
        ModelProto rewritten = DyveRewriter.Rewrite(Network()).Model;

        ValueInfoProto input = Assert.Single(rewritten.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Empty(input.Type.TensorType.Shape.Dim);
        TensorProto initializer = Assert.Single(rewritten.Graph.Initializer, t => t.Name == EffortInput.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, initializer.DataType);
        Assert.Empty(initializer.Dims);
        Assert.Equal(0f, EffortInput.Default(rewritten));

        NodeProto[] convs = [.. rewritten.Graph.Node.Where(n => n.OpType == DyveSchema.ConvOp)];
        Assert.Equal(2, convs.Length);
        Assert.Equal(["x", "w1", "b1", EffortInput.Name], convs[0].Input);
        // No bias: B is left out as the empty name, so that the effort stays input 3.
        Assert.Equal(["relu1", "w2", "", EffortInput.Name], convs[1].Input);
        Assert.Equal(["flatten", "fc_w", "fc_b", EffortInput.Name], rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp).Input);
    }

    [Fact]
    public void Rewriting_again_adds_no_second_effort_input()
    {
        ModelProto once = DyveRewriter.Rewrite(Network()).Model;

        ModelProto twice = DyveRewriter.Rewrite(once).Model;

        Assert.Equal(once.ToByteArray(), twice.ToByteArray());
        Assert.Single(twice.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Single(twice.Graph.Initializer, t => t.Name == EffortInput.Name);
    }

    [Fact]
    public void A_DyveConv_without_effort_is_wired_by_the_next_rewrite()
    {
        ModelProto once = DyveRewriter.Rewrite(Network()).Model;
        NodeProto conv = once.Graph.Node.First(n => n.OpType == DyveSchema.ConvOp);
        conv.Input.RemoveAt(EffortInput.ConvInputIndex);

        ModelProto twice = DyveRewriter.Rewrite(once).Model;

        Assert.Equal(EffortInput.Name, twice.Graph.Node.First(n => n.OpType == DyveSchema.ConvOp).Input[EffortInput.ConvInputIndex]);
        Assert.Single(twice.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Single(twice.Graph.Initializer, t => t.Name == EffortInput.Name);
    }

    [Fact]
    public void A_DyveGemm_without_C_reads_the_effort_after_an_empty_name()
    {
        var builder = new ModelBuilder(seed: 22);
        string y = builder.Node("Gemm", "fc", [builder.Input("x", 2, 6), builder.Weights("w", [6, 3])]);
        ModelProto rewritten = DyveRewriter.Rewrite(builder.Output(y).Build()).Model;

        Assert.Equal(["x", "w", "", EffortInput.Name], rewritten.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp).Input);
        Assert.Single(rewritten.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.Single(rewritten.Graph.Initializer, t => t.Name == EffortInput.Name);
    }

    [Fact]
    public void A_DyveGemm_without_effort_is_wired_by_the_next_rewrite()
    {
        ModelProto once = DyveRewriter.Rewrite(Network()).Model;
        once.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp).Input.RemoveAt(EffortInput.GemmInputIndex);

        ModelProto twice = DyveRewriter.Rewrite(once).Model;

        Assert.Equal(EffortInput.Name, twice.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp).Input[EffortInput.GemmInputIndex]);
        Assert.Equal(DyveRewriter.Rewrite(Network()).Model.ToByteArray(), twice.ToByteArray());
    }

    [Fact]
    public void A_model_without_convolutions_or_fully_connected_layers_gets_no_effort_input()
    {
        var builder = new ModelBuilder(seed: 22);
        string y = builder.Node("Relu", "relu", [builder.Input("x", 2, 6)]);
        ModelProto rewritten = DyveRewriter.Rewrite(builder.Output(y).Build()).Model;

        Assert.DoesNotContain(rewritten.Graph.Input, i => i.Name == EffortInput.Name);
        Assert.DoesNotContain(rewritten.Graph.Initializer, t => t.Name == EffortInput.Name);
    }

    public static TheoryData<string> Clashes() => new(ClashingModels.Keys);

    private static readonly Dictionary<string, Action<GraphProto>> ClashingModels = new()
    {
        ["a graph input without initializer"] = graph => graph.Input.Add(OnnxProto.FloatValue(EffortInput.Name, [])),
        ["a graph input of another shape"] = graph =>
        {
            graph.Input.Add(OnnxProto.FloatValue(EffortInput.Name, [2]));
            graph.Initializer.Add(OnnxProto.FloatTensor(EffortInput.Name, [2], [0f, 0f]));
        },
        ["an initializer only"] = graph => graph.Initializer.Add(OnnxProto.FloatScalar(EffortInput.Name, 0f)),
        ["a node output"] = graph =>
        {
            graph.Node.Add(OnnxProto.Node("Identity", "", "copy", ["x"], [EffortInput.Name], []));
            graph.Output.Add(OnnxProto.FloatValue(EffortInput.Name, null));
        },
    };

    [Theory]
    [MemberData(nameof(Clashes))]
    public void A_name_clash_is_an_error_naming_it(string clash)
    {
        ModelProto model = Network();
        ClashingModels[clash](model.Graph);

        var error = Assert.Throws<RewriteException>(() => DyveRewriter.Rewrite(model));

        Assert.Contains($"'{EffortInput.Name}'", error.Message);
    }

    [Fact]
    public void The_default_can_be_set_and_read()
    {
        ModelProto rewritten = DyveRewriter.Rewrite(Network()).Model;

        EffortInput.SetDefault(rewritten, 0.375f);

        Assert.Equal(0.375f, EffortInput.Default(rewritten));
        Assert.Single(rewritten.Graph.Initializer, t => t.Name == EffortInput.Name);
        Assert.Equal(rewritten.ToByteArray(), DyveRewriter.Rewrite(rewritten).Model.ToByteArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => EffortInput.SetDefault(rewritten, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => EffortInput.SetDefault(rewritten, float.NaN));
        Assert.Throws<RewriteException>(() => EffortInput.Default(Network()));
        Assert.Throws<RewriteException>(() => EffortInput.SetDefault(Network(), 0.5f));
    }

    /// <summary>
    /// What stock ONNX Runtime makes of the effort input: an overridable initializer (listed apart from the
    /// inputs), left out of a run it is its default, fed it is the run's effort; with no SDSS threshold in the
    /// model, the outputs are the original's either way.
    /// </summary>
    [Fact]
    public void Onnx_runtime_runs_the_model_with_the_effort_fed_or_not()
    {
        ModelProto original = Network();
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;
        using (var options = new SessionOptions().AppendDyVE())
        using (var session = new InferenceSession(rewritten.ToByteArray(), options))
        {
            Assert.Equal(["x"], session.InputMetadata.Keys);
            NodeMetadata effort = session.OverridableInitializerMetadata[EffortInput.Name];
            Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, effort.ElementDataType);
            Assert.Empty(effort.Dimensions);
        }

        Equivalence.AssertSameOutputs(original, rewritten, 1, 2);
        foreach (float effort in (float[])[0f, 0.5f, 1f])
            AssertSame(OrtRunner.Run(original, withDyve: false, seed: 3), OrtRunner.Run(rewritten, withDyve: true, seed: 3, effort));
    }

    /// <summary>
    /// Before IR version 4 every initializer is a graph input and none can be fed, the effort included; so the rewriter
    /// raises such a model to IR 4 and takes its weights off the inputs: they stay constants, the effort alone can be fed.
    /// </summary>
    [Fact]
    public void A_model_before_IR_4_is_raised_to_IR_4_with_the_effort_its_one_overridable_input()
    {
        ModelProto original = Network(irVersion: 3);
        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        Assert.Equal(4, rewritten.IrVersion);
        Assert.Equal(["x", EffortInput.Name], rewritten.Graph.Input.Select(i => i.Name));
        Assert.Contains(rewritten.Graph.Initializer, t => t.Name == "w1");
        Equivalence.AssertSameOutputs(original, rewritten);
        foreach (float effort in (float[])[0f, 0.5f, 1f])
            AssertSame(OrtRunner.Run(original, withDyve: false, seed: 3), OrtRunner.Run(rewritten, withDyve: true, seed: 3, effort));
        using var options = new SessionOptions().AppendDyVE();
        using var session = new InferenceSession(rewritten.ToByteArray(), options);
        Assert.Equal([EffortInput.Name], session.OverridableInitializerMetadata.Keys);
        Assert.Equal(rewritten.ToByteArray(), DyveRewriter.Rewrite(rewritten).Model.ToByteArray());
    }

    /// <summary>
    /// A model before IR 4 with nothing for DyveConv or DyveGemm (here a MatMul whose weights are a graph input, which
    /// the rewriter leaves) gets no effort input, so there is nothing to raise it for.
    /// </summary>
    [Fact]
    public void A_model_before_IR_4_without_dyve_operators_keeps_its_IR_version_and_inputs()
    {
        var builder = new ModelBuilder(seed: 5);
        string x = builder.Input("x", 1, 4);
        string w = builder.Input("w", 4, 3);
        ModelProto model = builder.Output(builder.Node("MatMul", "fc", [x, w])).Build();
        model.IrVersion = 3;

        ModelProto rewritten = DyveRewriter.Rewrite(model).Model;

        Assert.DoesNotContain(rewritten.Graph.Node, n => n.Domain == DyveSchema.Domain);
        Assert.Equal(3, rewritten.IrVersion);
        Assert.Equal(["x", "w"], rewritten.Graph.Input.Select(i => i.Name));
    }

    private static void AssertSame(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string name, float[] reference) in expected)
        {
            double scale = Math.Max(1.0, reference.Max(v => Math.Abs((double)v)));
            double worst = reference.Zip(actual[name], (r, v) => Math.Abs((double)r - v)).Max();
            Assert.True(worst <= 1e-4 * scale, $"output '{name}': max |diff| {worst:E2}");
        }
    }
}
