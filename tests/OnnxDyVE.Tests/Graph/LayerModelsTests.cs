using Onnx;
using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Graph;

/// <summary>The structure of the layer models: what benchmarks and the demo rely on beyond numerical agreement.</summary>
public sealed class LayerModelsTests
{
    private static readonly ConvLayer Conv = new(1, 4, 6, 6, 8, 3, 3) { HasBias = true, Activation = LayerActivation.Clip(0f, 6f) };
    private static readonly GemmLayer Gemm = new(2, 12, 5) { Bias = GemmBiasShape.Row, Activation = LayerActivation.LeakyRelu(0.2f) };

    [Fact]
    public void Both_paths_share_one_input_and_the_initializers()
    {
        ModelProto model = LayerModels.Conv(Conv, seed: 3);

        Assert.Equal([LayerModels.Input], model.Graph.Input.Select(i => i.Name));
        Assert.Equal([LayerModels.ReferenceOutput, LayerModels.DyveOutput], model.Graph.Output.Select(o => o.Name));
        Assert.Equal(["Conv", "Clip", "DyveConv"], model.Graph.Node.Select(n => n.OpType));
        NodeProto dyve = model.Graph.Node.Single(n => n.OpType == "DyveConv");
        NodeProto stock = model.Graph.Node.Single(n => n.OpType == "Conv");
        Assert.Equal(LayerModels.DyveDomain, dyve.Domain);
        Assert.Equal(LayerModels.DyveConvNode, dyve.Name);
        Assert.Equal(stock.Input, dyve.Input);
        Assert.Equal([("", 13L), (LayerModels.DyveDomain, 1L)], model.OpsetImport.Select(o => (o.Domain, o.Version)));
    }

    [Fact]
    public void Single_path_variants_hold_only_their_path()
    {
        ModelProto reference = LayerModels.Gemm(Gemm, seed: 3, LayerPaths.Reference);
        ModelProto dyve = LayerModels.Gemm(Gemm, seed: 3, LayerPaths.Dyve);

        Assert.Equal(["Gemm", "LeakyRelu"], reference.Graph.Node.Select(n => n.OpType));
        Assert.Equal([LayerModels.ReferenceOutput], reference.Graph.Output.Select(o => o.Name));
        Assert.Equal(["DyveGemm"], dyve.Graph.Node.Select(n => n.OpType));
        Assert.Equal([LayerModels.DyveOutput], dyve.Graph.Output.Select(o => o.Name));
        Assert.Equal(reference.Graph.Initializer.Single(t => t.Name == "W").RawData, dyve.Graph.Initializer.Single(t => t.Name == "W").RawData);
    }

    [Fact]
    public void Dyve_node_carries_the_fused_activation()
    {
        NodeProto node = LayerModels.Gemm(Gemm, seed: 3, LayerPaths.Dyve).Graph.Node.Single();

        Assert.Equal("leaky_relu", node.Attribute.Single(a => a.Name == "activation").S.ToStringUtf8());
        Assert.Equal(0.2f, node.Attribute.Single(a => a.Name == "activation_alpha").F);
        Assert.Equal([1L], node.Attribute.Where(a => a.Name is "alpha" or "beta").Select(a => (long)a.F).Distinct());
    }

    [Fact]
    public void Same_seed_same_weights_other_seed_other_weights()
    {
        Assert.Equal(LayerParameters.ForConv(Conv, 5).Weights, LayerParameters.ForConv(Conv, 5).Weights);
        Assert.NotEqual(LayerParameters.ForConv(Conv, 5).Weights, LayerParameters.ForConv(Conv, 6).Weights);
    }

    [Fact]
    public void Auto_pad_models_omit_pads()
    {
        ModelProto model = LayerModels.Conv(Conv with { AutoPad = ConvAutoPad.SameUpper, PadTop = 1 }, seed: 1, LayerPaths.Reference);

        NodeProto conv = model.Graph.Node.Single(n => n.OpType == "Conv");
        Assert.DoesNotContain(conv.Attribute, a => a.Name == "pads");
        Assert.Equal("SAME_UPPER", conv.Attribute.Single(a => a.Name == "auto_pad").S.ToStringUtf8());
    }
}
