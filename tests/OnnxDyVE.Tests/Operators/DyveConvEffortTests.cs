using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// DyveConv's optional input 3, the run's effort: a float32 scalar (shape [] or [1]) in [0, 1], read at every run,
/// 0 when absent. With sdss_delta 0 (the default) no mechanism approximates, so at every effort the output is
/// ORT's Conv's. A bad effort fails its run with a message that names the node and 'effort'.
/// </summary>
public sealed class DyveConvEffortTests
{
    private const string Effort = "effort";

    private static readonly ConvLayer WithBias = new(1, 8, 10, 10, 12, 3, 3)
        { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };

    /// <summary>No bias: DyveConv's inputs are [X, W, "", effort], B left out in the middle.</summary>
    private static readonly ConvLayer WithoutBias = WithBias with { HasBias = false, Activation = LayerActivation.LeakyRelu(0.1f) };

    [Theory]
    [InlineData(true, 0f)]
    [InlineData(true, 0.5f)]
    [InlineData(true, 1f)]
    [InlineData(false, 0f)]
    [InlineData(false, 0.5f)]
    [InlineData(false, 1f)]
    public void Any_effort_in_range_gives_conv_output_while_sdss_is_off(bool bias, float effort)
    {
        ConvLayer layer = bias ? WithBias : WithoutBias;
        ModelProto model = WithEffortInput(layer, TensorProto.Types.DataType.Float);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(new[] { effort }, []);

        AssertMatchesConv(layer, model, [(Effort, value)]);
    }

    [Fact]
    public void Effort_of_shape_1_is_read_too()
    {
        ModelProto model = WithEffortInput(WithBias, TensorProto.Types.DataType.Float);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(new[] { 0.25f }, [1]);

        AssertMatchesConv(WithBias, model, [(Effort, value)]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_effort_initializer_not_fed_is_its_default(bool bias)
    {
        // What the rewriter writes: the effort is a graph input with an initializer (the default) of the same name.
        ConvLayer layer = bias ? WithBias : WithoutBias;
        ModelProto model = WithEffortInput(layer, TensorProto.Types.DataType.Float);
        model.Graph.Initializer.Add(OnnxProto.FloatScalar(Effort, 0.75f));

        AssertMatchesConv(layer, model, []);
    }

    [Fact]
    public void Sdss_attributes_are_accepted_and_change_nothing_at_effort_0()
    {
        ModelProto model = WithEffortInput(WithBias, TensorProto.Types.DataType.Float);
        NodeProto node = DyveNode(model);
        node.Attribute.Add(OnnxProto.Float(DyveSchema.SdssDelta, 0.5f));
        node.Attribute.Add(OnnxProto.Float(DyveSchema.ActivationScale, 3f));
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(new[] { 0f }, []);

        AssertMatchesConv(WithBias, model, [(Effort, value)]);
    }

    [Fact]
    public void The_output_shape_is_inferred_with_b_left_out_and_effort_given()
    {
        ModelProto model = WithEffortInput(WithoutBias, TensorProto.Types.DataType.Float);
        model.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension();

        using var session = new LayerSession(model);

        Assert.Equal([-1, 12, 10, 10], session.Session.OutputMetadata[LayerModels.DyveOutput].Dimensions);
        Assert.Equal(session.Session.OutputMetadata[LayerModels.ReferenceOutput].Dimensions[1..], session.Session.OutputMetadata[LayerModels.DyveOutput].Dimensions[1..]);
    }

    public static TheoryData<string> BadEfforts() => new(BadEffortValues.Keys);

    private static readonly Dictionary<string, Func<OrtValue>> BadEffortValues = new()
    {
        ["below 0"] = () => OrtValue.CreateTensorValueFromMemory(new[] { -0.1f }, []),
        ["above 1"] = () => OrtValue.CreateTensorValueFromMemory(new[] { 1.5f }, []),
        ["NaN"] = () => OrtValue.CreateTensorValueFromMemory(new[] { float.NaN }, []),
        ["infinity"] = () => OrtValue.CreateTensorValueFromMemory(new[] { float.PositiveInfinity }, []),
        ["two elements"] = () => OrtValue.CreateTensorValueFromMemory(new[] { 0.5f, 0.5f }, [2]),
        ["shape 1x1"] = () => OrtValue.CreateTensorValueFromMemory(new[] { 0.5f }, [1, 1]),
        ["empty"] = () => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [0]),
        ["int64"] = () => OrtValue.CreateTensorValueFromMemory(new[] { 0L }, []),
        ["double"] = () => OrtValue.CreateTensorValueFromMemory(new[] { 0.5 }, []),
    };

    [Theory]
    [MemberData(nameof(BadEfforts))]
    public void A_bad_effort_fails_the_run_naming_it(string name)
    {
        using OrtValue value = BadEffortValues[name]();
        TensorProto.Types.DataType type = value.GetTensorTypeAndShape().ElementDataType switch
        {
            TensorElementType.Int64 => TensorProto.Types.DataType.Int64,
            TensorElementType.Double => TensorProto.Types.DataType.Double,
            _ => TensorProto.Types.DataType.Float,
        };
        // The DyVE path alone, so that no stock operator reports a problem first; B left out, as the rewriter does.
        ModelProto model = WithEffortInput(WithoutBias, type, LayerPaths.Dyve);
        using var session = new LayerSession(model);
        using OrtValue x = Input(WithoutBias);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run([(LayerModels.Input, x), (Effort, value)], LayerModels.DyveOutput));

        Assert.Contains(LayerModels.DyveConvNode, error.Message, StringComparison.Ordinal);
        Assert.Contains("effort", error.Message, StringComparison.Ordinal);
        // The session survives a bad run.
        using OrtValue good = OrtValue.CreateTensorValueFromMemory(new[] { 0f }, []);
        if (type == TensorProto.Types.DataType.Float) session.Run([(LayerModels.Input, x), (Effort, good)], LayerModels.DyveOutput);
    }

    /// <summary>
    /// <paramref name="layer"/>'s model (both paths unless <paramref name="paths"/> says otherwise) with the DyveConv
    /// reading graph input <see cref="Effort"/> of element <paramref name="type"/> and any shape as its input 3.
    /// </summary>
    private static ModelProto WithEffortInput(ConvLayer layer, TensorProto.Types.DataType type, LayerPaths paths = LayerPaths.Both)
    {
        ModelProto model = LayerModels.Conv(layer, seed: 5, paths);
        NodeProto node = DyveNode(model);
        if (node.Input.Count == 2) node.Input.Add("");
        node.Input.Add(Effort);
        model.Graph.Input.Add(OnnxProto.Value(Effort, type, null));
        return model;
    }

    private static NodeProto DyveNode(ModelProto model) => model.Graph.Node.Single(n => n.Domain == LayerModels.DyveDomain);

    private static OrtValue Input(ConvLayer layer) =>
        OrtValue.CreateTensorValueFromMemory(LayerParameters.Uniform(new Random(11), LayerParameters.Count(layer.InputShape())), layer.InputShape());

    private static void AssertMatchesConv(ConvLayer layer, ModelProto model, IReadOnlyList<(string, OrtValue)> more)
    {
        using var session = new LayerSession(model);
        using OrtValue x = Input(layer);
        LayerOutput[] outputs = session.Run([(LayerModels.Input, x), .. more], LayerModels.ReferenceOutput, LayerModels.DyveOutput);
        Assert.Equal(outputs[0].Shape, outputs[1].Shape);
        OutputComparison.AssertClose(outputs[0].Values, outputs[1].Values, layer.ToString());
    }
}
