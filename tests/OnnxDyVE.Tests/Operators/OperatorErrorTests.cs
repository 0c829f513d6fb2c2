using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// Invalid DyVE nodes and inputs must surface as an <see cref="OnnxRuntimeException"/> from session creation or
/// from Run, naming the node and the problem; an exception escaping a native callback would end the process.
/// Each model holds only the DyVE path, so no stock operator can report the problem first.
/// </summary>
public sealed class OperatorErrorTests
{
    private static readonly ConvLayer ValidConv = new(1, 4, 6, 6, 8, 3, 3)
        { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true };

    private static readonly GemmLayer ValidGemm = new(2, 12, 5) { TransB = true, Bias = GemmBiasShape.Row };

    [Fact]
    public void Conv_input_of_rank_3()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        long[] shape = [4, 6, 6];
        SetInputShape(model, shape);
        AssertFails(model, FloatInput(shape), LayerModels.DyveConvNode, "rank", "dimension", "4-d", "4d");
    }

    [Fact]
    public void Conv_unknown_layout()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, String(Schema.DyveSchema.InputLayout, "NHWC"));
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "input_layout", "NHWC");
    }

    [Fact]
    public void Conv_blocked_input_of_rank_4()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, String(Schema.DyveSchema.InputLayout, Schema.DyveSchema.Layouts.Blocked));
        ClearInputShape(model);
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "16");
    }

    [Fact]
    public void Conv_blocked_input_with_too_many_blocks()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, String(Schema.DyveSchema.InputLayout, Schema.DyveSchema.Layouts.Blocked));
        ClearInputShape(model);
        AssertFails(model, FloatInput([1, 2, 6, 6, 16]), LayerModels.DyveConvNode, "2 blocks", "4 channels");
    }

    [Fact]
    public void Conv_blocked_output_with_an_approximate_mechanism()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, String(Schema.DyveSchema.OutputLayout, Schema.DyveSchema.Layouts.Blocked));
        SetAttribute(model, new AttributeProto { Name = Schema.DyveSchema.SdssDelta, Type = AttributeProto.Types.AttributeType.Float, F = 0.5f });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "blocked", "sdss_delta");
    }

    /// <summary>Input Z (a residual) of another shape than the output's, and on a node whose output is planar.</summary>
    [Theory]
    [InlineData(true, "shape")]
    [InlineData(false, "blocked output")]
    public void Conv_residual_that_does_not_fit(bool blocked, string word)
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        if (blocked) SetAttribute(model, String(Schema.DyveSchema.OutputLayout, Schema.DyveSchema.Layouts.Blocked));
        NodeProto node = model.Graph.Node.Single(n => n.Domain == LayerModels.DyveDomain);
        while (node.Input.Count < Schema.DyveSchema.ResidualInput) node.Input.Add("");
        node.Input.Add("z");
        // The output is [1, 1, 6, 6, 16] blocked: one position short.
        model.Graph.Initializer.Add(OnnxProto.FloatTensor("z", [1, 1, 6, 5, 16], new float[6 * 5 * 16]));
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, word);
    }

    /// <summary>pointwise_channels past the node's 8 output channels, or negative.</summary>
    [Theory]
    [InlineData(64)]
    [InlineData(-64)]
    public void Conv_pointwise_channels_that_do_not_fit(long channels)
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, String(Schema.DyveSchema.OutputLayout, Schema.DyveSchema.Layouts.Blocked));
        SetAttribute(model, new AttributeProto { Name = Schema.DyveSchema.PointwiseChannels, Type = AttributeProto.Types.AttributeType.Int, I = channels });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "pointwise_channels");
    }

    [Theory]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "ceil_mode", "ceil_mode")]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "planar input", "blocked maps")]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "no channels", "channels")]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "pads", "pads")]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "blocks", "blocks")]
    [InlineData(Schema.DyveSchema.MaxPoolOp, "count_include_pad 1", "count_include_pad")]
    [InlineData(Schema.DyveSchema.AveragePoolOp, "count_include_pad 2", "count_include_pad")]
    [InlineData(Schema.DyveSchema.AveragePoolOp, "ceil_mode", "ceil_mode")]
    [InlineData(Schema.DyveSchema.AveragePoolOp, "pads", "pads")]
    [InlineData(Schema.DyveSchema.AveragePoolOp, "blocks", "blocks")]
    public void Pools_refuse(string op, string fault, string word)
    {
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 0, 0),
            new() { Name = Schema.DyveSchema.Channels, Type = AttributeProto.Types.AttributeType.Int, I = 20 },
            String(Schema.DyveSchema.InputLayout, Schema.DyveSchema.Layouts.Blocked),
        };
        long[] shape = [1, 2, 9, 9, 16];
        switch (fault)
        {
            case "ceil_mode": attributes.Add(new AttributeProto { Name = "ceil_mode", Type = AttributeProto.Types.AttributeType.Int, I = 1 }); break;
            case "planar input": attributes.RemoveAll(a => a.Name == Schema.DyveSchema.InputLayout); break;
            case "no channels": attributes.RemoveAll(a => a.Name == Schema.DyveSchema.Channels); break;
            case "pads": attributes[2] = Ints("pads", 3, 0, 0, 0); break;
            case "blocks": shape = [1, 3, 9, 9, 16]; break;
            case "count_include_pad 1": attributes.Add(new AttributeProto { Name = "count_include_pad", Type = AttributeProto.Types.AttributeType.Int, I = 1 }); break;
            case "count_include_pad 2": attributes.Add(new AttributeProto { Name = "count_include_pad", Type = AttributeProto.Types.AttributeType.Int, I = 2 }); break;
        }
        AssertFails(SingleNode(op, "the_pool", attributes), FloatInput(shape), "the_pool", word);
    }

    [Theory]
    [InlineData("even size", "size")]
    [InlineData("no size", "size")]
    [InlineData("no alpha", "alpha")]
    [InlineData("infinite beta", "beta")]
    [InlineData("layouts differ", "layout")]
    [InlineData("unknown layout", "NCHW8c")]
    [InlineData("blocked input of rank 4", "N x C/16 x H x W x 16")]
    [InlineData("planar input of rank 5", "N x C x H x W")]
    public void Lrn_refuses(string fault, string word)
    {
        var attributes = new List<AttributeProto>
        {
            new() { Name = Schema.DyveSchema.LrnSize, Type = AttributeProto.Types.AttributeType.Int, I = 3 },
            OnnxProto.Float(Schema.DyveSchema.LrnAlpha, 1e-4f), OnnxProto.Float(Schema.DyveSchema.LrnBeta, 0.75f),
        };
        long[] shape = [1, 4, 6, 6];
        switch (fault)
        {
            case "even size": attributes[0].I = 4; break;
            case "no size": attributes.RemoveAt(0); break;
            case "no alpha": attributes.RemoveAt(1); break;
            case "infinite beta": attributes[2] = OnnxProto.Float(Schema.DyveSchema.LrnBeta, float.PositiveInfinity); break;
            case "layouts differ": attributes.Add(String(Schema.DyveSchema.InputLayout, Schema.DyveSchema.Layouts.Blocked)); shape = [1, 1, 6, 6, 16]; break;
            case "unknown layout": attributes.Add(String(Schema.DyveSchema.OutputLayout, "NCHW8c")); break;
            case "blocked input of rank 4":
                attributes.Add(String(Schema.DyveSchema.InputLayout, Schema.DyveSchema.Layouts.Blocked));
                attributes.Add(String(Schema.DyveSchema.OutputLayout, Schema.DyveSchema.Layouts.Blocked));
                break;
            case "planar input of rank 5": shape = [1, 1, 6, 6, 16]; break;
        }
        AssertFails(SingleNode(Schema.DyveSchema.LrnOp, "the_lrn", attributes), FloatInput(shape), "the_lrn", word);
    }

    /// <summary>A model of one DyVE node of <paramref name="op"/> from X to Y, of unknown shapes.</summary>
    private static ModelProto SingleNode(string op, string name, IEnumerable<AttributeProto> attributes)
    {
        var graph = new GraphProto { Name = name };
        graph.Input.Add(OnnxProto.FloatValue("X", null));
        graph.Output.Add(OnnxProto.FloatValue("Y", null));
        graph.Node.Add(OnnxProto.Node(op, Schema.DyveSchema.Domain, name, ["X"], ["Y"], attributes));
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = Schema.DyveSchema.Domain, Version = Schema.DyveSchema.OpsetVersion });
        return model;
    }

    [Fact]
    public void Conv_input_channels_differ_from_weights()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        long[] shape = [1, 5, 6, 6];
        SetInputShape(model, shape);
        AssertFails(model, FloatInput(shape), LayerModels.DyveConvNode, "channel");
    }

    [Fact]
    public void Conv_input_of_doubles()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        model.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Double;
        long[] shape = ValidConv.InputShape();
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(new double[LayerParameters.Count(shape)], shape);
        AssertFails(model, input, LayerModels.DyveConvNode, "double", "type", "float");
    }

    [Fact]
    public void Conv_unknown_activation()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto
            { Name = "activation", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("swish") });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "activation", "swish");
    }

    [Fact]
    public void Conv_negative_stride()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, Ints("strides", -1, 1));
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "stride");
    }

    [Fact]
    public void Conv_zero_group()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "group");
    }

    [Fact]
    public void Conv_weights_that_are_not_constant()
    {
        // An initializer that is also a graph input is only a default: the caller may feed another W.
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        ExposeInitializerAsInput(model, "W");
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, "constant", "initializer");
    }

    [Fact]
    public void Gemm_input_of_rank_3()
    {
        ModelProto model = LayerModels.Gemm(ValidGemm, 1, LayerPaths.Dyve);
        long[] shape = [1, 2, 12];
        SetInputShape(model, shape);
        AssertFails(model, FloatInput(shape), LayerModels.DyveGemmNode, "rank", "dimension", "2-d", "2d", "matrix");
    }

    [Fact]
    public void Gemm_inner_dimensions_differ()
    {
        ModelProto model = LayerModels.Gemm(ValidGemm, 1, LayerPaths.Dyve);
        long[] shape = [2, 13];
        SetInputShape(model, shape);
        AssertFails(model, FloatInput(shape), LayerModels.DyveGemmNode, "K =", "K=", "inner", "match");
    }

    [Fact]
    public void Gemm_weights_that_are_not_constant()
    {
        ModelProto model = LayerModels.Gemm(ValidGemm, 1, LayerPaths.Dyve);
        ExposeInitializerAsInput(model, "W");
        AssertFails(model, FloatInput(ValidGemm.AShape()), LayerModels.DyveGemmNode, "constant", "initializer");
    }

    [Fact]
    public void Conv_zero_map_skipping_flag_out_of_range()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto { Name = OnnxDyVE.Schema.DyveSchema.SkipZeroMaps, Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, OnnxDyVE.Schema.DyveSchema.SkipZeroMaps);
    }

    [Fact]
    public void Conv_zero_input_skipping_flag_out_of_range()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto { Name = OnnxDyVE.Schema.DyveSchema.SkipZeroInputs, Type = AttributeProto.Types.AttributeType.Int, I = 2 });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, OnnxDyVE.Schema.DyveSchema.SkipZeroInputs);
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Conv_sdss_delta_negative_or_not_finite(float delta)
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, OnnxProto.Float(OnnxDyVE.Schema.DyveSchema.SdssDelta, delta));
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, OnnxDyVE.Schema.DyveSchema.SdssDelta);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.PositiveInfinity)]
    public void Conv_activation_scale_not_positive_or_not_finite(float scale)
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, OnnxProto.Float(OnnxDyVE.Schema.DyveSchema.ActivationScale, scale));
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, OnnxDyVE.Schema.DyveSchema.ActivationScale);
    }

    [Fact]
    public void Conv_sdss_delta_of_the_wrong_type()
    {
        ModelProto model = LayerModels.Conv(ValidConv, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto { Name = OnnxDyVE.Schema.DyveSchema.SdssDelta, Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        AssertFails(model, FloatInput(ValidConv.InputShape()), LayerModels.DyveConvNode, OnnxDyVE.Schema.DyveSchema.SdssDelta);
    }

    [Fact]
    public void Gemm_zero_input_skipping_flag_out_of_range()
    {
        ModelProto model = LayerModels.Gemm(ValidGemm, 1, LayerPaths.Dyve);
        SetAttribute(model, new AttributeProto { Name = OnnxDyVE.Schema.DyveSchema.SkipZeroInputs, Type = AttributeProto.Types.AttributeType.Int, I = 2 });
        AssertFails(model, FloatInput(ValidGemm.AShape()), LayerModels.DyveGemmNode, OnnxDyVE.Schema.DyveSchema.SkipZeroInputs);
    }

    /// <summary>
    /// Creating the session and running it must throw OnnxRuntimeException whose message names
    /// <paramref name="node"/> and contains at least one of <paramref name="words"/> (case-insensitive).
    /// </summary>
    private static void AssertFails(ModelProto model, OrtValue input, string node, params string[] words)
    {
        Exception? exception = Record.Exception(() =>
        {
            using var session = new LayerSession(model);
            session.Run(input, session.OutputNames);
        });
        input.Dispose();

        Assert.NotNull(exception);
        OnnxRuntimeException error = Assert.IsType<OnnxRuntimeException>(exception);
        Assert.True(error.Message.Contains(node, StringComparison.Ordinal),
            $"the message does not name the node '{node}': {error.Message}");
        Assert.True(words.Any(word => error.Message.Contains(word, StringComparison.OrdinalIgnoreCase)),
            $"the message says none of [{string.Join(", ", words)}]: {error.Message}");
    }

    private static OrtValue FloatInput(long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(LayerParameters.Uniform(new Random(7), LayerParameters.Count(shape)), shape);

    private static void SetInputShape(ModelProto model, long[] shape)
    {
        TensorShapeProto declared = model.Graph.Input[0].Type.TensorType.Shape;
        declared.Dim.Clear();
        foreach (long dim in shape) declared.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
    }

    /// <summary>Replaces (or adds) an attribute of the model's only DyVE node.</summary>
    private static void SetAttribute(ModelProto model, AttributeProto attribute)
    {
        NodeProto node = model.Graph.Node.Single(n => n.Domain == LayerModels.DyveDomain);
        AttributeProto? existing = node.Attribute.FirstOrDefault(a => a.Name == attribute.Name);
        if (existing is not null) node.Attribute.Remove(existing);
        node.Attribute.Add(attribute);
    }

    private static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>Leaves the graph input's shape to the caller, so ORT's own checks against it do not answer first.</summary>
    private static void ClearInputShape(ModelProto model) => model.Graph.Input[0].Type.TensorType.Shape = null;

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static void ExposeInitializerAsInput(ModelProto model, string name)
    {
        TensorProto initializer = model.Graph.Initializer.Single(t => t.Name == name);
        var type = new TypeProto.Types.Tensor { ElemType = initializer.DataType, Shape = new TensorShapeProto() };
        foreach (long dim in initializer.Dims) type.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        model.Graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } });
    }
}
