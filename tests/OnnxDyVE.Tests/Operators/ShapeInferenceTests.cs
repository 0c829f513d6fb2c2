using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// The operators' shape inference: the layer models declare their outputs without shapes, so the shape ORT
/// reports for the DyVE output is what DyveConv / DyveGemm inferred; it must equal what ORT infers for its own
/// Conv / Gemm on the same layer.
/// </summary>
public sealed class ShapeInferenceTests
{
    public static TheoryData<string> ConvCases() => new(ConvLayers.Keys);
    public static TheoryData<string> GemmCases() => new(GemmLayers.Keys);

    private static readonly Dictionary<string, ConvLayer> ConvLayers = new()
    {
        ["vgg-3x3"] = new ConvLayer(1, 8, 14, 14, 16, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["alexnet-conv1"] = new ConvLayer(2, 3, 67, 67, 8, 11, 11) { StrideHeight = 4, StrideWidth = 4, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        ["asymmetric-stride-pads"] = new ConvLayer(1, 4, 9, 12, 6, 3, 2) { StrideHeight = 2, PadTop = 0, PadLeft = 1, PadBottom = 2, PadRight = 0 },
        ["same-lower"] = new ConvLayer(1, 4, 10, 7, 6, 3, 3) { StrideHeight = 2, StrideWidth = 3, AutoPad = ConvAutoPad.SameLower },
        ["valid-dilated-grouped"] = new ConvLayer(3, 6, 13, 11, 9, 3, 3) { Group = 3, DilationHeight = 2, AutoPad = ConvAutoPad.Valid },
    };

    private static readonly Dictionary<string, GemmLayer> GemmLayers = new()
    {
        ["fc"] = new GemmLayer(1, 64, 10) { TransB = true, Bias = GemmBiasShape.Row },
        ["transposed-a"] = new GemmLayer(5, 7, 3) { TransA = true },
        ["full-c"] = new GemmLayer(4, 9, 6) { Bias = GemmBiasShape.Full },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv_output_shape_is_inferred_as_onnx_runtime_infers_conv(string name) =>
        AssertInferredLikeReference(LayerModels.Conv(ConvLayers[name], seed: 1).ToByteArray());

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_output_shape_is_inferred_as_onnx_runtime_infers_gemm(string name) =>
        AssertInferredLikeReference(LayerModels.Gemm(GemmLayers[name], seed: 1).ToByteArray());

    /// <summary>
    /// An unknown batch stays unknown, as a named symbolic dimension: a bare -1 would be recorded as a fixed
    /// size, and ORT would warn on every run that the actual output differs from it.
    /// </summary>
    [Fact]
    public void An_unknown_batch_is_a_symbolic_dimension()
    {
        var layer = new ConvLayer(2, 4, 6, 6, 5, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
        Onnx.ModelProto model = LayerModels.Conv(layer, seed: 1);
        model.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension();
        using var options = new SessionOptions().AppendDyVE();
        using var session = new InferenceSession(model.ToByteArray(), options);
        NodeMetadata dyve = session.OutputMetadata[LayerModels.DyveOutput];
        Assert.Equal([-1, 5, 6, 6], dyve.Dimensions);
        Assert.False(string.IsNullOrEmpty(dyve.SymbolicDimensions[0]), "the unknown batch has no symbolic name");
    }

    private static void AssertInferredLikeReference(byte[] model)
    {
        using var options = new SessionOptions().AppendDyVE();
        using var session = new InferenceSession(model, options);
        int[] reference = session.OutputMetadata[LayerModels.ReferenceOutput].Dimensions;
        int[] dyve = session.OutputMetadata[LayerModels.DyveOutput].Dimensions;
        Assert.All(reference, dim => Assert.True(dim > 0, "ORT inferred no concrete shape for its own operator"));
        Assert.Equal(reference, dyve);
    }
}
