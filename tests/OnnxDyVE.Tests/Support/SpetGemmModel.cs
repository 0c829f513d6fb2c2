using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Tests.Support;

/// <summary>A one-DyveGemm model with SPET on and the run's effort a graph input: its executed work depends on the effort fed.</summary>
internal static class SpetGemmModel
{
    /// <summary>The graph input the DyveGemm reads its effort from.</summary>
    public const string Effort = "effort";

    /// <summary>
    /// <paramref name="layer"/>'s model with the DyveGemm named <paramref name="node"/>, SPET on (a quarter of K first,
    /// spet_delta 2), reading graph input <see cref="Effort"/> as its input 3 (C left out as the empty name).
    /// </summary>
    public static ModelProto Create(GemmLayer layer, string node = LayerModels.DyveGemmNode)
    {
        ModelProto model = LayerModels.Gemm(layer, seed: 8);
        NodeProto dyve = model.Graph.Node.Single(n => n.Domain == LayerModels.DyveDomain);
        dyve.Name = node;
        dyve.Attribute.Add(OnnxProto.Float(DyveSchema.SpetPrefix, 0.25f));
        dyve.Attribute.Add(OnnxProto.Float(DyveSchema.SpetDelta, 2f));
        if (dyve.Input.Count == 2) dyve.Input.Add("");
        dyve.Input.Add(Effort);
        model.Graph.Input.Add(OnnxProto.Value(Effort, TensorProto.Types.DataType.Float, null));
        return model;
    }
}
