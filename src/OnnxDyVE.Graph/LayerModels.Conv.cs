using Onnx;

namespace OnnxDyVE.Graph;

public static partial class LayerModels
{
    /// <summary>Name of the DyveConv node, which ONNX Runtime's and the operator's errors quote.</summary>
    public const string DyveConvNode = "dyve_conv";

    /// <summary>
    /// A model of <paramref name="layer"/>: input X (N x C x H x W), initializers W and (if any) B from
    /// <see cref="LayerParameters.ForConv"/> with <paramref name="seed"/>, and the requested paths.
    /// </summary>
    public static ModelProto Conv(ConvLayer layer, int seed, LayerPaths paths = LayerPaths.Both)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RequirePaths(paths);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed);

        var graph = new GraphProto { Name = "conv_layer" };
        graph.Input.Add(OnnxProto.FloatValue(Input, layer.InputShape()));
        graph.Initializer.Add(OnnxProto.FloatTensor(WeightsName, layer.WeightShape(), parameters.Weights));
        if (parameters.Bias is not null) graph.Initializer.Add(OnnxProto.FloatTensor(BiasName, [layer.OutputChannels], parameters.Bias));
        string[] inputs = parameters.Bias is null ? [Input, WeightsName] : [Input, WeightsName, BiasName];

        if (paths.HasFlag(LayerPaths.Reference))
        {
            string layerOutput = ReferenceLayerOutputName(layer.Activation);
            graph.Node.Add(OnnxProto.Node("Conv", "", "reference_conv", inputs, [layerOutput], ConvAttributes(layer)));
            AddReferenceActivation(graph, layer.Activation, layerOutput);
            graph.Output.Add(OnnxProto.FloatValue(ReferenceOutput, null));
        }
        if (paths.HasFlag(LayerPaths.Dyve))
        {
            graph.Node.Add(OnnxProto.Node(OnnxDyVE.Schema.DyveSchema.ConvOp, DyveDomain, DyveConvNode, inputs, [DyveOutput],
                ConvAttributes(layer).Concat(DyveActivationAttributes(layer.Activation))));
            graph.Output.Add(OnnxProto.FloatValue(DyveOutput, null));
        }
        return Model(graph);
    }

    /// <summary>ONNX Conv's attributes, shared by Conv and DyveConv.</summary>
    private static IEnumerable<AttributeProto> ConvAttributes(ConvLayer layer)
    {
        yield return OnnxProto.String("auto_pad", layer.AutoPadAttributeValue);
        yield return OnnxProto.Ints("dilations", layer.DilationHeight, layer.DilationWidth);
        yield return OnnxProto.Int("group", layer.Group);
        if (layer.DeclaresKernelShape) yield return OnnxProto.Ints("kernel_shape", layer.KernelHeight, layer.KernelWidth);
        // ONNX forbids pads together with an auto_pad other than NOTSET.
        if (layer.AutoPad == ConvAutoPad.NotSet)
            yield return OnnxProto.Ints("pads", layer.PadTop, layer.PadLeft, layer.PadBottom, layer.PadRight);
        yield return OnnxProto.Ints("strides", layer.StrideHeight, layer.StrideWidth);
    }
}
