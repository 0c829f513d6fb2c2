using Onnx;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// ONNX seeds, made at test time: the real Caffe models of ../shared converted in memory (stock, and rewritten to
/// DyVE operators), and one small model with every pattern the rewriter fuses that the Caffe models lack
/// (BatchNormalization, Clip with bound inputs, MatMul + Add, LeakyRelu, Gemm).
/// </summary>
internal static class SeedModels
{
    private static readonly Lazy<IReadOnlyList<(string Name, ModelProto Model)>?> s_caffe = new(LoadCaffe);

    /// <summary>Null when the shared folder is absent off CI.</summary>
    public static IReadOnlyList<(string Name, ModelProto Model)>? Caffe => s_caffe.Value;

    /// <summary>A converted real model, or null when the shared folder is absent off CI.</summary>
    public static ModelProto? Convert(string folder, string prototxt, string caffemodel)
    {
        if (!SharedData.TryGetFile($"{FuzzSeeds.Caffe}/{folder}/{prototxt}", out string net) || !SharedData.TryGetFile($"{FuzzSeeds.Caffe}/{folder}/{caffemodel}", out string weights))
            return null;
        return CaffeConverter.Convert(CaffeNetReader.ReadFile(net), CaffeModelWeights.ReadFile(weights), new CaffeConversionOptions()).Model;
    }

    private static IReadOnlyList<(string, ModelProto)>? LoadCaffe()
    {
        if (Convert("cifar10_quick", "cifar10_quick.prototxt", "cifar10_quick_iter_5000.caffemodel") is not { } quick) return null;
        ModelProto? full = Convert("cifar10_full", "cifar10_full.prototxt", "cifar10_full_iter_70000.caffemodel");
        var seeds = new List<(string, ModelProto)> { ("cifar10_quick", quick), ("cifar10_quick.dyve", DyveRewriter.Rewrite(quick).Model) };
        // cifar10_full's within-channel LRNs: stock nodes the rewriter fuses, and DyveLrn nodes.
        if (full is not null) seeds.AddRange([("cifar10_full", full), ("cifar10_full.dyve", DyveRewriter.Rewrite(full).Model)]);
        return seeds;
    }

    /// <summary>
    /// X [1, 3, 8, 8] -> Conv -> BatchNormalization -> Clip(min, max as inputs) -> Flatten -> MatMul -> Add -> LeakyRelu
    /// -> Gemm (transB) -> Relu -> Y [1, 5], opset 13, with seeded weights.
    /// </summary>
    public static ModelProto Fusions()
    {
        var random = new Random(17);
        float[] Values(long count) => [.. Enumerable.Range(0, (int)count).Select(_ => random.NextSingle() * 2 - 1)];
        var graph = new GraphProto { Name = "fusions" };
        graph.Input.Add(OnnxProto.FloatValue("X", [1, 3, 8, 8]));
        graph.Output.Add(OnnxProto.FloatValue("Y", [1, 5]));
        graph.Initializer.Add(OnnxProto.FloatTensor("W", [4, 3, 3, 3], Values(108)));
        graph.Initializer.Add(OnnxProto.FloatTensor("B", [4], Values(4)));
        graph.Initializer.Add(OnnxProto.FloatTensor("bn_scale", [4], Values(4)));
        graph.Initializer.Add(OnnxProto.FloatTensor("bn_shift", [4], Values(4)));
        graph.Initializer.Add(OnnxProto.FloatTensor("bn_mean", [4], Values(4)));
        graph.Initializer.Add(OnnxProto.FloatTensor("bn_var", [4], [.. Values(4).Select(MathF.Abs)]));
        graph.Initializer.Add(OnnxProto.FloatScalar("clip_min", -0.5f));
        graph.Initializer.Add(OnnxProto.FloatScalar("clip_max", 6f));
        graph.Initializer.Add(OnnxProto.FloatTensor("M", [256, 10], Values(2560)));
        graph.Initializer.Add(OnnxProto.FloatTensor("M_bias", [10], Values(10)));
        graph.Initializer.Add(OnnxProto.FloatTensor("G", [5, 10], Values(50)));
        graph.Initializer.Add(OnnxProto.FloatTensor("G_bias", [5], Values(5)));
        graph.Node.Add(OnnxProto.Node("Conv", "", "conv", ["X", "W", "B"], ["conv_out"], [OnnxProto.Ints("pads", 1, 1, 1, 1), OnnxProto.Ints("kernel_shape", 3, 3)]));
        graph.Node.Add(OnnxProto.Node("BatchNormalization", "", "bn", ["conv_out", "bn_scale", "bn_shift", "bn_mean", "bn_var"], ["bn_out"], [OnnxProto.Float("epsilon", 1e-5f)]));
        graph.Node.Add(OnnxProto.Node("Clip", "", "clip", ["bn_out", "clip_min", "clip_max"], ["clip_out"], []));
        graph.Node.Add(OnnxProto.Node("Flatten", "", "flatten", ["clip_out"], ["flat"], [OnnxProto.Int("axis", 1)]));
        graph.Node.Add(OnnxProto.Node("MatMul", "", "matmul", ["flat", "M"], ["mm_out"], []));
        graph.Node.Add(OnnxProto.Node("Add", "", "add", ["mm_out", "M_bias"], ["add_out"], []));
        graph.Node.Add(OnnxProto.Node("LeakyRelu", "", "leaky", ["add_out"], ["leaky_out"], [OnnxProto.Float("alpha", 0.1f)]));
        graph.Node.Add(OnnxProto.Node("Gemm", "", "gemm", ["leaky_out", "G", "G_bias"], ["gemm_out"], [OnnxProto.Int("transB", 1)]));
        graph.Node.Add(OnnxProto.Node("Relu", "", "relu", ["gemm_out"], ["Y"], []));
        var model = new ModelProto { IrVersion = 8, ProducerName = "OnnxDyVE.Fuzz.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }
}
