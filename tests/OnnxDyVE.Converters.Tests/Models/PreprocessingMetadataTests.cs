using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Tests.Models;

/// <summary>The preprocessing a converted model carries, from the conversion options and the net's input.</summary>
public class PreprocessingMetadataTests
{
    private static CaffeConversion Convert(string input, CaffeConversionOptions options) =>
        CaffeConverter.Convert(CaffeNetReader.Read($"{input} layer {{ name: \"relu\" type: \"ReLU\" bottom: \"data\" top: \"out\" }}", "p.prototxt"), new RandomWeights(1), options);

    private const string Colour = "input: \"data\" input_dim: 10 input_dim: 3 input_dim: 227 input_dim: 227";
    private const string Gray = "input: \"data\" input_dim: 64 input_dim: 1 input_dim: 28 input_dim: 28";

    [Fact]
    public void DefaultsAreCaffesBgrOrGrayAtThePrototxtsSize()
    {
        Assert.Equal(ChannelOrder.Bgr, Convert(Colour, new()).Preprocessing!.ChannelOrder);
        var gray = Convert(Gray, new() { Scale = 0.00390625f }).Preprocessing!;
        Assert.Equal(ChannelOrder.Gray, gray.ChannelOrder);
        Assert.Equal([1, 28, 28], gray.Input);
        Assert.Equal(0.00390625f, gray.Scale);
    }

    [Fact]
    public void OptionsAreWrittenAndReadBackFromTheModel()
    {
        var options = new CaffeConversionOptions { MeanValues = [104, 117, 123], ChannelOrder = ChannelOrder.Bgr, Crop = 224, Resize = 256 };
        var conversion = Convert(Colour, options);
        var stored = Preprocessing.FromJson(Assert.Single(conversion.Model.MetadataProps, p => p.Key == Preprocessing.MetadataKey).Value);
        Assert.Equal([3, 224, 224], stored.Input);
        Assert.Equal([104f, 117, 123], stored.MeanValues!);
        Assert.Equal([256, 256], stored.Resize!);
        Assert.Equal(224, conversion.Model.Graph.Input[0].Type.TensorType.Shape.Dim[3].DimValue);
    }

    [Fact]
    public void OneMeanValueServesEveryChannel() =>
        Assert.Equal([128f, 128, 128], Convert(Colour, new() { MeanValues = [128] }).Preprocessing!.MeanValues!);

    [Theory]
    [InlineData(Colour, "--mean-values 1,2", "mean_values has 2 values for 3 channels")]
    [InlineData(Colour, "gray", "channel_order Gray needs 1 input channels, input has 3")]
    [InlineData(Colour, "resize 100", "resize [100, 100] must be [H, W], at least the input's 227 x 227")]
    [InlineData("input: \"data\" input_shape { dim: 1 dim: 5 }", "scale", "is not an image (N, 1 or 3, H, W), so it takes no preprocessing options")]
    public void InconsistentOptionsAreErrors(string input, string option, string message)
    {
        CaffeConversionOptions options = option switch
        {
            "--mean-values 1,2" => new() { MeanValues = [1, 2] },
            "gray" => new() { ChannelOrder = ChannelOrder.Gray },
            "resize 100" => new() { Resize = 100 },
            _ => new() { Scale = 2 },
        };
        var error = Assert.Throws<CaffeFormatException>(() => Convert(input, options));
        Assert.Contains(message, error.Message);
    }
}
