using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// DyveConv against ONNX Runtime's Conv (+ Relu / LeakyRelu / Clip) in the same model, on the same initializers
/// and input: named layers that stand for real networks' edge cases, then seeded random ones.
/// </summary>
public sealed class DyveConvOperatorTests
{
    private const int RandomCaseCount = 200;

    private static readonly IReadOnlyList<(string Name, ConvLayer Layer)> NamedLayers =
    [
        // AlexNet conv1 (11x11, stride 4, pads 2) on a small input; the same with batch 4.
        ("alexnet-conv1", new ConvLayer(1, 3, 67, 67, 16, 11, 11)
            { StrideHeight = 4, StrideWidth = 4, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu }),
        ("alexnet-conv1-batch4", new ConvLayer(4, 3, 67, 67, 8, 11, 11)
            { StrideHeight = 4, StrideWidth = 4, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.LeakyRelu(0.1f) }),
        ("vgg-3x3-relu", new ConvLayer(1, 16, 14, 14, 32, 3, 3)
            { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }),
        ("pointwise-1x1", new ConvLayer(1, 32, 9, 9, 48, 1, 1)),
        ("pointwise-1x1-stride2-bias", new ConvLayer(1, 12, 9, 10, 20, 1, 1) { StrideHeight = 2, StrideWidth = 2, HasBias = true }),
        ("depthwise-3x3-relu6", new ConvLayer(1, 24, 10, 10, 24, 3, 3)
            { Group = 24, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Clip(0f, 6f) }),
        ("depthwise-multiplier2-same-upper-stride2", new ConvLayer(1, 8, 9, 9, 16, 3, 3)
            { Group = 8, StrideHeight = 2, StrideWidth = 2, AutoPad = ConvAutoPad.SameUpper, HasBias = true }),
        ("depthwise-5x5-same-lower", new ConvLayer(2, 6, 11, 8, 6, 5, 5) { Group = 6, AutoPad = ConvAutoPad.SameLower }),
        ("grouped-4", new ConvLayer(1, 32, 8, 8, 32, 3, 3)
            { Group = 4, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }),
        ("grouped-3-odd-channels", new ConvLayer(1, 9, 7, 7, 15, 3, 3) { Group = 3, PadTop = 1, PadRight = 1 }),
        ("asymmetric-pads", new ConvLayer(1, 5, 7, 9, 7, 3, 3) { PadTop = 0, PadLeft = 1, PadBottom = 2, PadRight = 0, HasBias = true }),
        ("same-upper-stride2-even", new ConvLayer(1, 4, 10, 10, 6, 3, 3) { StrideHeight = 2, StrideWidth = 2, AutoPad = ConvAutoPad.SameUpper }),
        ("same-lower-stride2-even", new ConvLayer(1, 4, 10, 10, 6, 3, 3) { StrideHeight = 2, StrideWidth = 2, AutoPad = ConvAutoPad.SameLower }),
        ("same-upper-2x2", new ConvLayer(1, 3, 7, 6, 5, 2, 2) { AutoPad = ConvAutoPad.SameUpper, HasBias = true }),
        ("same-lower-2x2", new ConvLayer(1, 3, 7, 6, 5, 2, 2) { AutoPad = ConvAutoPad.SameLower, HasBias = true }),
        // A stride longer than the kernel: the SAME padding formula goes negative, which means no padding.
        ("same-upper-1x1-stride3", new ConvLayer(1, 2, 6, 9, 3, 1, 1) { StrideHeight = 3, StrideWidth = 3, AutoPad = ConvAutoPad.SameUpper }),
        ("same-lower-1x1-stride3", new ConvLayer(1, 2, 6, 9, 3, 1, 1) { StrideHeight = 3, StrideWidth = 3, AutoPad = ConvAutoPad.SameLower }),
        ("same-upper-dilation2", new ConvLayer(1, 3, 9, 8, 4, 3, 3) { DilationHeight = 2, DilationWidth = 2, AutoPad = ConvAutoPad.SameUpper }),
        ("same-lower-dilation2-stride2", new ConvLayer(1, 3, 9, 8, 4, 3, 3) { DilationHeight = 2, StrideWidth = 2, AutoPad = ConvAutoPad.SameLower }),
        ("valid-stride3", new ConvLayer(1, 4, 13, 11, 6, 3, 3) { StrideHeight = 3, StrideWidth = 3, AutoPad = ConvAutoPad.Valid }),
        ("dilation-2", new ConvLayer(1, 6, 12, 12, 10, 3, 3)
            { DilationHeight = 2, DilationWidth = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true }),
        ("dilation-1x3-stride2", new ConvLayer(1, 4, 11, 15, 5, 3, 3) { DilationWidth = 3, StrideHeight = 2, PadLeft = 3, PadRight = 1 }),
        ("kernel-1x7", new ConvLayer(1, 8, 9, 12, 8, 1, 7) { PadLeft = 3, PadRight = 3, Activation = LayerActivation.Relu }),
        ("kernel-7x1", new ConvLayer(1, 8, 12, 9, 8, 7, 1) { PadTop = 3, PadBottom = 3, Activation = LayerActivation.Relu }),
        ("no-kernel-shape", new ConvLayer(1, 4, 8, 8, 6, 3, 3) { DeclaresKernelShape = false, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }),
        ("single-pixel", new ConvLayer(1, 4, 1, 1, 5, 1, 1) { HasBias = true }),
        ("kernel-covers-input", new ConvLayer(1, 3, 5, 5, 4, 5, 5) { AutoPad = ConvAutoPad.Valid, HasBias = true }),
        ("pads-wider-than-kernel", new ConvLayer(1, 2, 4, 4, 3, 1, 1) { PadTop = 2, PadLeft = 1, PadBottom = 1, PadRight = 2, HasBias = true }),
        ("batch4-odd-sizes", new ConvLayer(4, 3, 13, 11, 7, 3, 3)
            { StrideHeight = 2, StrideWidth = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Clip(-0.5f, 0.5f) }),
        ("long-reduction", new ConvLayer(1, 64, 6, 6, 20, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true }),
        ("many-output-channels", new ConvLayer(1, 8, 4, 4, 200, 1, 1) { HasBias = true, Activation = LayerActivation.LeakyRelu(0.01f) }),
        ("explicit-activation-none", new ConvLayer(1, 3, 5, 5, 2, 3, 3) { Activation = LayerActivation.None }),
    ];

    private static readonly IReadOnlyDictionary<string, (int Seed, ConvLayer Layer)> Layers = AllLayers();

    private static Dictionary<string, (int Seed, ConvLayer Layer)> AllLayers()
    {
        var layers = new Dictionary<string, (int, ConvLayer)>();
        for (int i = 0; i < NamedLayers.Count; i++) layers.Add(NamedLayers[i].Name, (1000 + i, NamedLayers[i].Layer));
        for (int i = 0; i < RandomCaseCount; i++) layers.Add($"random-{i:D3}", (i, RandomLayers.ConvForOperator(i)));
        return layers;
    }

    public static TheoryData<string> Cases() => new(Layers.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_onnx_runtime_conv(string name)
    {
        (int seed, ConvLayer layer) = Layers[name];
        float[] input = LayerParameters.Uniform(new Random(seed + 50_000), LayerParameters.Count(layer.InputShape()));

        string context = $"{name}: {layer}";
        if (!OrtConvSupports(layer))
        {
            MatchesScalarReference(layer, seed, input, context);
            return;
        }

        using var session = new LayerSession(LayerModels.Conv(layer, seed));
        LayerOutput[] outputs = session.Run(input, layer.InputShape(), LayerModels.ReferenceOutput, LayerModels.DyveOutput);

        Assert.True(outputs[0].Shape.SequenceEqual(outputs[1].Shape),
            $"{context}: DyveConv shape [{string.Join(",", outputs[1].Shape)}], Conv [{string.Join(",", outputs[0].Shape)}]");
        OutputComparison.AssertClose(outputs[0].Values, outputs[1].Values, context);
    }

    /// <summary>
    /// ORT's Conv rejects dilation together with SAME_UPPER / SAME_LOWER ("Dilation not supported"), which
    /// ONNX allows; DyveConv supports it, so those layers are checked against the scalar reference instead.
    /// </summary>
    private static bool OrtConvSupports(ConvLayer layer) =>
        layer.AutoPad is not (ConvAutoPad.SameUpper or ConvAutoPad.SameLower) || (layer.DilationHeight == 1 && layer.DilationWidth == 1);

    private static void MatchesScalarReference(ConvLayer layer, int seed, float[] input, string context)
    {
        using var session = new LayerSession(LayerModels.Conv(layer, seed, LayerPaths.Dyve));
        LayerOutput output = session.Run(input, layer.InputShape(), LayerModels.DyveOutput)[0];

        ScalarReference.ConvGeometry geometry = ScalarReference.Geometry(layer);
        Assert.Equal([layer.Batch, layer.OutputChannels, geometry.OutputHeight, geometry.OutputWidth], output.Shape);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed);
        OutputComparison.AssertClose(ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias), output.Values,
            context + " (against the scalar reference)");
    }

    [Fact]
    public void Random_cases_cover_the_attribute_space()
    {
        var layers = Layers.Values.Select(entry => entry.Layer).ToList();
        int againstOrt = layers.Count(OrtConvSupports);
        Assert.True(againstOrt >= 200, $"only {againstOrt} layers are compared against ORT's Conv");
        foreach (ConvAutoPad autoPad in Enum.GetValues<ConvAutoPad>())
            Assert.Contains(layers, layer => layer.AutoPad == autoPad);
        foreach (LayerActivationKind kind in Enum.GetValues<LayerActivationKind>())
            Assert.Contains(layers, layer => layer.Activation.Kind == kind);
        Assert.Contains(layers, layer => layer.Group > 1 && layer.Group == layer.InputChannels);
        Assert.Contains(layers, layer => layer.Group > 1 && layer.Group < layer.InputChannels);
        Assert.Contains(layers, layer => layer.DilationHeight > 1 || layer.DilationWidth > 1);
        Assert.Contains(layers, layer => layer.PadTop != layer.PadBottom || layer.PadLeft != layer.PadRight);
        Assert.Contains(layers, layer => layer.StrideHeight != layer.StrideWidth);
        Assert.Contains(layers, layer => layer.Batch == 4);
        Assert.Contains(layers, layer => !layer.HasBias);
        Assert.Contains(layers, layer => !layer.DeclaresKernelShape);
    }
}
