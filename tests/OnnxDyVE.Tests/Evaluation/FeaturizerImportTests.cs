using Onnx;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph;
using OnnxDyVE.Models;

namespace OnnxDyVE.Tests.Evaluation;

/// <summary>An ML.NET featurizer's preprocessing model (Split -> Concat -> Sub) read as the preprocessing metadata.</summary>
public sealed class FeaturizerImportTests
{
    private static ModelProto Prep(string[] concatOrder, long[] meanDims)
    {
        var graph = new GraphProto { Name = "prep" };
        graph.Input.Add(OnnxProto.FloatValue("OriginalInput", [1, 3, 4, 4]));
        graph.Node.Add(OnnxProto.Node("Split", "", "split", ["OriginalInput"], ["R", "G", "B"], [OnnxProto.Int("axis", 1)]));
        graph.Node.Add(OnnxProto.Node("Concat", "", "concat", concatOrder, ["Ordered"], [OnnxProto.Int("axis", 1)]));
        graph.Node.Add(OnnxProto.Node("Sub", "", "sub", ["Ordered", "Mean"], ["Out"], []));
        graph.Initializer.Add(OnnxProto.FloatTensor("Mean", meanDims, [.. Enumerable.Range(0, 48).Select(i => (float)i)]));
        graph.Output.Add(OnnxProto.FloatValue("Out", [1, 3, 4, 4]));
        return new ModelProto { IrVersion = 3, Graph = graph };
    }

    private static ModelProto Network()
    {
        var graph = new GraphProto { Name = "net" };
        graph.Input.Add(OnnxProto.FloatValue("data", [1, 3, 4, 4]));
        graph.Node.Add(OnnxProto.Node("Relu", "", "relu", ["data"], ["y"], []));
        graph.Output.Add(OnnxProto.FloatValue("y", [1, 3, 4, 4]));
        return new ModelProto { IrVersion = 3, Graph = graph };
    }

    [Fact]
    public void Reversed_planes_and_a_mean_image_become_bgr_minus_that_image()
    {
        ModelProto model = FeaturizerImport.Import(Network(), Prep(["B", "G", "R"], [1, 3, 4, 4]), [4, 4]);

        Preprocessing p = Preprocessing.FromJson(Assert.Single(model.MetadataProps, m => m.Key == Preprocessing.MetadataKey).Value);
        Assert.Equal(ChannelOrder.Bgr, p.ChannelOrder);
        Assert.Equal([3, 4, 4], p.Input);
        Assert.Equal([3, 4, 4], p.MeanImage!.Shape);
        Assert.Equal(47f, p.MeanImage.Values[^1]);
        Assert.Equal(1f, p.Scale);
        Assert.Equal([4, 4], p.Resize!);
    }

    [Fact]
    public void Anything_else_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => FeaturizerImport.Import(Network(), Prep(["G", "B", "R"], [1, 3, 4, 4]), [4, 4]));
        Assert.Throws<InvalidDataException>(() => FeaturizerImport.Import(Network(), Prep(["B", "G", "R"], [1, 1, 6, 8]), [4, 4]));
        ModelProto wrongSize = Prep(["R", "G", "B"], [1, 3, 4, 4]);
        ModelProto network = Network();
        network.Graph.Input[0] = OnnxProto.FloatValue("data", [1, 3, 8, 8]);
        Assert.Throws<InvalidDataException>(() => FeaturizerImport.Import(network, wrongSize, [8, 8]));
    }
}
