using Onnx;
using OnnxDyVE.Graph;

namespace OnnxDyVE.NativeTestModels;

/// <summary>
/// A small CNN in stock ONNX: Conv + BatchNormalization + Relu, MaxPool, Conv 3x3 + Relu, Conv 1x1 + Relu,
/// Flatten, Gemm. The rewrite folds the BatchNormalization and fuses every activation, and leaves MaxPool and
/// Flatten to ORT, so the host runs DyVE and stock operators side by side in one graph.
/// </summary>
internal static class SmallNetwork
{
    public static ModelProto Build(int seed)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "small_cnn" };
        graph.Input.Add(OnnxProto.FloatValue("image", [1, 3, 16, 16]));
        graph.Output.Add(OnnxProto.FloatValue("logits", [1, 10]));

        Add(graph, random, "w1", [16, 3, 3, 3]);
        Add(graph, random, "b1", [16]);
        Add(graph, random, "bn_scale", [16]);
        Add(graph, random, "bn_bias", [16]);
        Add(graph, random, "bn_mean", [16]);
        // Variances must be positive: 1 + |u| in [1, 2).
        graph.Initializer.Add(OnnxProto.FloatTensor("bn_var", [16],
            LayerParameters.Uniform(random, 16).Select(v => 1f + MathF.Abs(v)).ToArray()));
        Add(graph, random, "w2", [32, 16, 3, 3]);
        Add(graph, random, "b2", [32]);
        Add(graph, random, "w3", [16, 32, 1, 1]);
        Add(graph, random, "w4", [10, 16 * 8 * 8]);
        Add(graph, random, "b4", [10]);

        AttributeProto[] pad1 = [OnnxProto.Ints("pads", 1, 1, 1, 1), OnnxProto.Ints("kernel_shape", 3, 3)];
        graph.Node.Add(OnnxProto.Node("Conv", "", "conv1", ["image", "w1", "b1"], ["c1"], pad1));
        graph.Node.Add(OnnxProto.Node("BatchNormalization", "", "bn1", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["n1"],
            [OnnxProto.Float("epsilon", 1e-5f)]));
        graph.Node.Add(OnnxProto.Node("Relu", "", "relu1", ["n1"], ["r1"], []));
        graph.Node.Add(OnnxProto.Node("MaxPool", "", "pool1", ["r1"], ["p1"],
            [OnnxProto.Ints("kernel_shape", 2, 2), OnnxProto.Ints("strides", 2, 2)]));
        graph.Node.Add(OnnxProto.Node("Conv", "", "conv2", ["p1", "w2", "b2"], ["c2"], pad1));
        graph.Node.Add(OnnxProto.Node("Relu", "", "relu2", ["c2"], ["r2"], []));
        graph.Node.Add(OnnxProto.Node("Conv", "", "conv3", ["r2", "w3"], ["c3"], [OnnxProto.Ints("kernel_shape", 1, 1)]));
        graph.Node.Add(OnnxProto.Node("Relu", "", "relu3", ["c3"], ["r3"], []));
        graph.Node.Add(OnnxProto.Node("Flatten", "", "flatten", ["r3"], ["f"], [OnnxProto.Int("axis", 1)]));
        graph.Node.Add(OnnxProto.Node("Gemm", "", "fc", ["f", "w4", "b4"], ["logits"], [OnnxProto.Int("transB", 1)]));

        var model = new ModelProto { IrVersion = 7, ProducerName = "OnnxDyVE.NativeTestModels", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = LayerModels.StandardOpsetVersion });
        return model;
    }

    private static void Add(GraphProto graph, Random random, string name, long[] shape) =>
        graph.Initializer.Add(OnnxProto.FloatTensor(name, shape, LayerParameters.Uniform(random, LayerParameters.Count(shape))));
}
