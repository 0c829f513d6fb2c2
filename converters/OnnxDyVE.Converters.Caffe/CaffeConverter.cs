using Onnx;
using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Layers;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Graph;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>
/// A Caffe net to a standard ONNX model that stock ONNX Runtime runs with Caffe's semantics. Inputs keep their
/// names with an unknown batch axis; outputs are the blobs no later layer reads, as in Caffe.
/// </summary>
public static class CaffeConverter
{
    /// <summary>The default-domain opset of every converted model: ONNX Runtime 1.31 implements all of it.</summary>
    public const long OpsetVersion = 17;
    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    private const long IrVersion = 8;

    /// <summary>Reads the prototxt and the weights, and converts.</summary>
    public static CaffeConversion ConvertFiles(string prototxtPath, CaffeWeightsSource weights, CaffeConversionOptions options)
    {
        CaffeNet net = CaffeNetReader.ReadFile(prototxtPath);
        ILayerWeights source = weights switch
        {
            CaffeWeightsSource.CaffeModel model => CaffeModelWeights.ReadFile(model.Path),
            CaffeWeightsSource.DeepCompression compressed => DeepCompressionWeights.ReadFile(compressed.Path,
                [.. net.Layers.Where(l => l.Type == "Convolution").Select(l => l.Name)]),
            CaffeWeightsSource.Random random => new RandomWeights(random.Seed),
            _ => throw new ArgumentOutOfRangeException(nameof(weights), weights, "unknown weights source"),
        };
        return Convert(net, source, options);
    }

    public static CaffeConversion Convert(CaffeNet net, ILayerWeights weights, CaffeConversionOptions options)
    {
        var counting = new CountingWeights(weights);
        var graph = new OnnxGraphBuilder();
        var blobs = new BlobTable(net.Source);
        IReadOnlyList<CaffeInput> inputs = InputShapes.Apply(net, options.Crop);
        foreach (CaffeInput input in inputs)
        {
            var tensor = new Tensor(graph.UniqueName(input.Name), input.Shape);
            // The batch axis is left unknown, so any batch size runs.
            graph.Graph.Input.Add(OnnxProto.FloatValue(tensor.Name, [-1, .. input.Shape[1..]]));
            blobs.Write(input.Name, tensor, BlobTable.NetInput);
        }
        for (int index = 0; index < net.Layers.Count; index++)
        {
            var layer = net.Layers[index];
            if (LayerConverters.IsTrainingOnly(layer.Type)) continue;
            Tensor[] bottoms = [.. layer.Bottom.Select(bottom => blobs.Read(bottom, layer, index))];
            var context = new LayerContext(layer, bottoms, graph, counting, net.Source);
            IReadOnlyList<Tensor> outputs = LayerConverters.Convert(context);
            if (outputs.Count != layer.Top.Count) throw context.Error($"has {layer.Top.Count} top(s), the layer produces {outputs.Count}");
            for (int i = 0; i < outputs.Count; i++)
            {
                context.CheckSize(outputs[i].Shape, $"top '{layer.Top[i]}'");
                blobs.Write(layer.Top[i], outputs[i], index);
            }
        }
        counting.Complete();
        string[] outputNames = blobs.Outputs();
        foreach (string output in outputNames) graph.Graph.Output.Add(OnnxProto.FloatValue(output, dims: null));
        graph.Graph.Name = string.IsNullOrEmpty(net.Name) ? Path.GetFileNameWithoutExtension(net.Source) : net.Name;
        Preprocessing? preprocessing = PreprocessingBuilder.Build(inputs[0], options);
        return new CaffeConversion(Model(graph.Graph, preprocessing), counting.ParameterCount, counting.WeightCount, counting.NonZeroWeightCount, outputNames, preprocessing);
    }

    private static ModelProto Model(GraphProto graph, Preprocessing? preprocessing)
    {
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "OnnxDyVE.Converters.Caffe", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (preprocessing is not null) model.MetadataProps.Add(new StringStringEntryProto { Key = Preprocessing.MetadataKey, Value = preprocessing.ToJson() });
        return model;
    }
}
