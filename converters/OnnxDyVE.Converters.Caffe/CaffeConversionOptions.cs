using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>
/// How images become the converted model's input, written into the model as <see cref="Preprocessing"/>.
/// Mean images and values are in the model's channel order, as Caffe's own mean files are.
/// </summary>
public sealed record CaffeConversionOptions
{
    /// <summary>A <c>.binaryproto</c> or <c>.npy</c> mean image; exclusive with <see cref="MeanValues"/>.</summary>
    public string? MeanFile { get; init; }

    /// <summary>One value per channel, or one for all channels.</summary>
    public float[]? MeanValues { get; init; }

    public float Scale { get; init; } = 1f;

    /// <summary>Null: gray for one input channel, else Caffe's usual BGR.</summary>
    public ChannelOrder? ChannelOrder { get; init; }

    /// <summary>Input height and width, overriding the prototxt's (Caffe's crop_size).</summary>
    public int? Crop { get; init; }

    /// <summary>Images are resized to this size squared (as Caffe's convert_imageset does), before the centre crop.</summary>
    public int? Resize { get; init; }
}
