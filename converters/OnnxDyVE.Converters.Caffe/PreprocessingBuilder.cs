using OnnxDyVE.Converters.Caffe.Means;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>The <see cref="Preprocessing"/> a converted model carries, from the options and the model's first input.</summary>
internal static class PreprocessingBuilder
{
    /// <summary>Null when the input is not an image (4-D with 1 or 3 channels) and no option asks for preprocessing.</summary>
    public static Preprocessing? Build(CaffeInput input, CaffeConversionOptions options)
    {
        bool image = input.Shape is [_, 1 or 3, _, _];
        bool asked = options.MeanFile is not null || options.MeanValues is not null || options.Scale != 1f
            || options.ChannelOrder is not null || options.Crop is not null || options.Resize is not null;
        if (!image)
        {
            if (asked) throw new CaffeFormatException($"input '{input.Name}' [{string.Join(", ", input.Shape)}] is not an image (N, 1 or 3, H, W), so it takes no preprocessing options");
            return null;
        }
        if (options.MeanFile is not null && options.MeanValues is not null) throw new CaffeFormatException("give a mean file or mean values, not both");
        int channels = (int)input.Shape[1];
        var preprocessing = new Preprocessing
        {
            ChannelOrder = options.ChannelOrder ?? (channels == 1 ? ChannelOrder.Gray : ChannelOrder.Bgr),
            Input = [channels, (int)input.Shape[2], (int)input.Shape[3]],
            MeanValues = options.MeanValues is [float one] ? [.. Enumerable.Repeat(one, channels)] : options.MeanValues,
            MeanImage = options.MeanFile is string path ? MeanFiles.Read(path) : null,
            Scale = options.Scale,
            Resize = options.Resize is int side ? [side, side] : null,
        };
        try
        {
            preprocessing.Validate();
        }
        catch (FormatException e)
        {
            throw new CaffeFormatException($"preprocessing for input '{input.Name}': {e.Message}", e);
        }
        return preprocessing;
    }
}
