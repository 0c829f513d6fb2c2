using OnnxDyVE.Models;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// Small models made to read real CIFAR-10 images: a layer model (32 x 32 RGB input) given the preprocessing
/// metadata the evaluation tools need, so its output serves as class scores.
/// </summary>
internal static class CifarClassifiers
{
    /// <summary>Adds CIFAR-10 preprocessing (RGB, 3 x 32 x 32, a flat mean) to <paramref name="model"/>; returns it.</summary>
    public static Onnx.ModelProto WithPreprocessing(Onnx.ModelProto model)
    {
        model.MetadataProps.Add(new Onnx.StringStringEntryProto
        {
            Key = Preprocessing.MetadataKey,
            Value = new Preprocessing { ChannelOrder = ChannelOrder.Rgb, Input = [3, 32, 32], MeanValues = [120f, 120f, 120f] }.ToJson(),
        });
        return model;
    }
}
