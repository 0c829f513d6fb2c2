using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// DyveGemm against ONNX Runtime's Gemm (+ Relu / LeakyRelu / Clip) in the same model, on the same initializers
/// and input: named fully connected layers, then seeded random ones over every transpose, C shape and activation.
/// </summary>
public sealed class DyveGemmOperatorTests
{
    private const int RandomCaseCount = 200;

    private static readonly IReadOnlyList<(string Name, GemmLayer Layer)> NamedLayers =
    [
        // The fully connected layer as exporters write it: B stored N x K (transB), C of N values.
        ("fc-batch1", new GemmLayer(1, 256, 100) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("fc-batch8", new GemmLayer(8, 300, 70) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("fc-classifier-no-activation", new GemmLayer(2, 200, 10) { TransB = true, Bias = GemmBiasShape.RowMatrix }),
        ("one-by-one", new GemmLayer(1, 1, 1) { Bias = GemmBiasShape.Scalar }),
        ("scalar-c-alpha-beta", new GemmLayer(5, 33, 47) { Alpha = 0.5f, Beta = -2f, Bias = GemmBiasShape.Scalar }),
        ("column-c", new GemmLayer(7, 40, 35) { Bias = GemmBiasShape.Column, Activation = LayerActivation.LeakyRelu(0.2f) }),
        ("full-c-transA", new GemmLayer(6, 130, 33) { TransA = true, Bias = GemmBiasShape.Full, Activation = LayerActivation.Clip(-1f, 1f) }),
        ("both-transposed", new GemmLayer(3, 129, 65) { TransA = true, TransB = true, Bias = GemmBiasShape.Row }),
        ("beta-zero", new GemmLayer(4, 20, 30) { Beta = 0f, Bias = GemmBiasShape.Full }),
        ("alpha-zero", new GemmLayer(4, 20, 30) { Alpha = 0f, Bias = GemmBiasShape.Row }),
        ("large-batch", new GemmLayer(130, 64, 40) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("wide-output", new GemmLayer(2, 50, 600) { Bias = GemmBiasShape.Row }),
    ];

    private static readonly IReadOnlyDictionary<string, (int Seed, GemmLayer Layer)> Layers = AllLayers();

    private static Dictionary<string, (int Seed, GemmLayer Layer)> AllLayers()
    {
        var layers = new Dictionary<string, (int, GemmLayer)>();
        for (int i = 0; i < NamedLayers.Count; i++) layers.Add(NamedLayers[i].Name, (1000 + i, NamedLayers[i].Layer));
        for (int i = 0; i < RandomCaseCount; i++) layers.Add($"random-{i:D3}", (i, RandomLayers.GemmForOperator(i)));
        return layers;
    }

    public static TheoryData<string> Cases() => new(Layers.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_onnx_runtime_gemm(string name)
    {
        (int seed, GemmLayer layer) = Layers[name];
        float[] input = LayerParameters.Uniform(new Random(seed + 60_000), layer.M * layer.K);

        using var session = new LayerSession(LayerModels.Gemm(layer, seed));
        LayerOutput[] outputs = session.Run(input, layer.AShape(), LayerModels.ReferenceOutput, LayerModels.DyveOutput);

        string context = $"{name}: {layer}";
        Assert.True(outputs[0].Shape.SequenceEqual(outputs[1].Shape),
            $"{context}: DyveGemm shape [{string.Join(",", outputs[1].Shape)}], Gemm [{string.Join(",", outputs[0].Shape)}]");
        OutputComparison.AssertClose(outputs[0].Values, outputs[1].Values, context);
    }

    [Fact]
    public void Random_cases_cover_the_attribute_space()
    {
        var layers = Layers.Values.Select(entry => entry.Layer).ToList();
        foreach (GemmBiasShape bias in Enum.GetValues<GemmBiasShape>())
            Assert.Contains(layers, layer => layer.Bias == bias);
        foreach (LayerActivationKind kind in Enum.GetValues<LayerActivationKind>())
            Assert.Contains(layers, layer => layer.Activation.Kind == kind);
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            Assert.Contains(layers, layer => layer.TransA == transA && layer.TransB == transB);
        for (int m = 1; m <= 8; m++)
            Assert.Contains(layers, layer => layer.M == m);
        Assert.Contains(layers, layer => layer.M > 8);
        Assert.Contains(layers, layer => layer.Alpha != 1f);
        Assert.Contains(layers, layer => layer.Beta != 1f && layer.Bias != GemmBiasShape.None);
        Assert.Contains(layers, layer => layer.K > 128);
    }
}
