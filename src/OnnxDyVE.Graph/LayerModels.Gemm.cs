using Onnx;

namespace OnnxDyVE.Graph;

public static partial class LayerModels
{
    /// <summary>Name of the DyveGemm node, which ONNX Runtime's and the operator's errors quote.</summary>
    public const string DyveGemmNode = "dyve_gemm";

    /// <summary>
    /// A model of <paramref name="layer"/>: input X (A, M x K or K x M), initializers B and (if any) C from
    /// <see cref="LayerParameters.ForGemm"/> with <paramref name="seed"/>, and the requested paths.
    /// </summary>
    public static ModelProto Gemm(GemmLayer layer, int seed, LayerPaths paths = LayerPaths.Both)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RequirePaths(paths);
        LayerParameters parameters = LayerParameters.ForGemm(layer, seed);

        var graph = new GraphProto { Name = "gemm_layer" };
        graph.Input.Add(OnnxProto.FloatValue(Input, layer.AShape()));
        graph.Initializer.Add(OnnxProto.FloatTensor(WeightsName, layer.BShape(), parameters.Weights));
        long[]? cShape = layer.CShape();
        if (cShape is not null) graph.Initializer.Add(OnnxProto.FloatTensor(BiasName, cShape, parameters.Bias));
        string[] inputs = cShape is null ? [Input, WeightsName] : [Input, WeightsName, BiasName];

        if (paths.HasFlag(LayerPaths.Reference))
        {
            string layerOutput = ReferenceLayerOutputName(layer.Activation);
            graph.Node.Add(OnnxProto.Node("Gemm", "", "reference_gemm", inputs, [layerOutput], GemmAttributes(layer)));
            AddReferenceActivation(graph, layer.Activation, layerOutput);
            graph.Output.Add(OnnxProto.FloatValue(ReferenceOutput, null));
        }
        if (paths.HasFlag(LayerPaths.Dyve))
        {
            graph.Node.Add(OnnxProto.Node(OnnxDyVE.Schema.DyveSchema.GemmOp, DyveDomain, DyveGemmNode, inputs, [DyveOutput],
                GemmAttributes(layer).Concat(DyveActivationAttributes(layer.Activation))));
            graph.Output.Add(OnnxProto.FloatValue(DyveOutput, null));
        }
        return Model(graph);
    }

    /// <summary>ONNX Gemm's attributes, shared by Gemm and DyveGemm; all written, so no default is assumed.</summary>
    private static IEnumerable<AttributeProto> GemmAttributes(GemmLayer layer)
    {
        yield return OnnxProto.Float("alpha", layer.Alpha);
        yield return OnnxProto.Float("beta", layer.Beta);
        yield return OnnxProto.Int("transA", layer.TransA ? 1 : 0);
        yield return OnnxProto.Int("transB", layer.TransB ? 1 : 0);
    }
}
