using OnnxDyVE.Converters.Caffe.Emit;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>Which conversion each Caffe layer type gets; layers that only matter in training are dropped before this.</summary>
internal static class LayerConverters
{
    /// <summary>Types that feed, score or end a training net; inference has no use for them.</summary>
    public static bool IsTrainingOnly(string type) =>
        type is "Data" or "ImageData" or "HDF5Data" or "HDF5Output" or "MemoryData" or "WindowData" or "DummyData" or "Accuracy" or "Silence"
        || type.EndsWith("Loss", StringComparison.Ordinal);

    /// <summary>The layer's outputs, one per top.</summary>
    public static IReadOnlyList<Tensor> Convert(LayerContext context) => context.Layer.Type switch
    {
        "Convolution" => [ConvolutionLayer.Convert(context)],
        "InnerProduct" => [InnerProductLayer.Convert(context)],
        "Pooling" => [PoolingLayer.Convert(context)],
        "LRN" => [LrnLayer.Convert(context)],
        "ReLU" => [ActivationLayers.Relu(context)],
        "Sigmoid" => [ActivationLayers.Unary(context, "Sigmoid")],
        "TanH" => [ActivationLayers.Unary(context, "Tanh")],
        "Power" => [ActivationLayers.Power(context)],
        "Softmax" => [ShapeLayers.Softmax(context)],
        "Concat" => [ShapeLayers.Concat(context)],
        "Flatten" => [ShapeLayers.Flatten(context)],
        "Reshape" => [ShapeLayers.Reshape(context)],
        "Eltwise" => [EltwiseLayer.Convert(context)],
        "BatchNorm" => [NormalizationLayers.BatchNorm(context)],
        "Scale" => [NormalizationLayers.Scale(context)],
        // At test time Caffe's Dropout passes its input through unchanged.
        "Dropout" => [context.Input],
        // Split only gives one blob several names, for Caffe's backward pass.
        "Split" => [.. context.Layer.Top.Select(_ => context.Input)],
        string type => throw context.Error($"layer type '{type}' is not supported"),
    };
}
