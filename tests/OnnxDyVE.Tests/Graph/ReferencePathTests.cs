using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Graph;

/// <summary>
/// The stock path of the layer models, run by a plain ONNX Runtime session (no DyVE registered), against the
/// scalar reference. This closes the triangle the other tests rely on: the kernels are checked against the
/// scalar reference and the operators against this stock path, so both must mean the same Conv and Gemm.
/// </summary>
public sealed class ReferencePathTests
{
    private const int CaseCount = 40;

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, CaseCount));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stock_conv_matches_scalar_reference(int index)
    {
        ConvLayer layer = RandomLayers.ConvForOperator(index);
        // ORT's Conv rejects dilation with SAME_UPPER / SAME_LOWER; nothing to compare there.
        if (layer.AutoPad is ConvAutoPad.SameUpper or ConvAutoPad.SameLower) layer = layer with { DilationHeight = 1, DilationWidth = 1 };
        LayerParameters parameters = LayerParameters.ForConv(layer, index);
        float[] input = LayerParameters.Uniform(new Random(index + 70_000), LayerParameters.Count(layer.InputShape()));

        using var session = new LayerSession(LayerModels.Conv(layer, index, LayerPaths.Reference), registerDyve: false);
        LayerOutput output = session.Run(input, layer.InputShape(), LayerModels.ReferenceOutput)[0];

        ScalarReference.ConvGeometry geometry = ScalarReference.Geometry(layer);
        Assert.Equal([layer.Batch, layer.OutputChannels, geometry.OutputHeight, geometry.OutputWidth], output.Shape);
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), output.Values,
            $"case {index}: {layer}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stock_gemm_matches_scalar_reference(int index)
    {
        GemmLayer layer = RandomLayers.GemmForOperator(index);
        LayerParameters parameters = LayerParameters.ForGemm(layer, index);
        float[] input = LayerParameters.Uniform(new Random(index + 80_000), layer.M * layer.K);

        using var session = new LayerSession(LayerModels.Gemm(layer, index, LayerPaths.Reference), registerDyve: false);
        LayerOutput output = session.Run(input, layer.AShape(), LayerModels.ReferenceOutput)[0];

        Assert.Equal([layer.M, layer.N], output.Shape);
        OutputComparison.AssertClose(ScalarReference.Gemm(layer, input, parameters.Weights, parameters.Bias), output.Values,
            $"case {index}: {layer}");
    }
}
