using OnnxDyVE.Models;

namespace OnnxDyVE.Tests.Models;

public sealed class PreprocessingTests
{
    [Fact]
    public void Round_trips_through_its_metadata_json()
    {
        var preprocessing = new Preprocessing
        {
            ChannelOrder = ChannelOrder.Rgb,
            Input = [3, 2, 2],
            MeanImage = new MeanImage([3, 3, 2], Enumerable.Range(0, 18).Select(i => i * 0.5f).ToArray()),
            Scale = 0.5f,
            Resize = [4, 4],
        };
        string json = preprocessing.ToJson();
        Assert.Contains("\"channel_order\":\"rgb\"", json);
        Preprocessing back = Preprocessing.FromJson(json);
        Assert.Equal((ChannelOrder.Rgb, 0.5f), (back.ChannelOrder, back.Scale));
        Assert.Equal(preprocessing.Input, back.Input);
        Assert.Equal(preprocessing.Resize, back.Resize);
        Assert.Equal(preprocessing.MeanImage!.Values, back.MeanImage!.Values);
        Assert.Null(back.MeanValues);
    }

    [Theory]
    [InlineData("{", "not valid")]
    [InlineData("""{"input":[3,32]}""", "input must be [C, H, W]")]
    [InlineData("""{"input":[1,28,28],"channel_order":"bgr"}""", "needs 3 input channels")]
    [InlineData("""{"input":[3,32,32],"mean_values":[1,2]}""", "mean_values has 2 values")]
    [InlineData("""{"input":[3,2,2],"mean_image":{"shape":[3,1,1],"values":[1,2,3]}}""", "mean_image shape")]
    [InlineData("""{"input":[3,1,1],"mean_image":{"shape":[3,1,1],"values":[1,2]}}""", "holds 2 values")]
    [InlineData("""{"input":[3,32,32],"scale":0}""", "scale")]
    [InlineData("""{"input":[3,32,32],"resize":[16,64]}""", "resize")]
    [InlineData("""{"input":[3,32,32],"channel_order":"cmyk"}""", "not valid")]
    public void Inconsistent_metadata_names_the_field(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Preprocessing.FromJson(json));
        Assert.Contains(expected, error.Message);
        Assert.Contains(Preprocessing.MetadataKey, error.Message);
    }
}
