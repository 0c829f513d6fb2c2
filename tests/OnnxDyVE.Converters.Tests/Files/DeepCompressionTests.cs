using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Converters.Tests.Files;

/// <summary>Deep Compression's .net format on a hand-built file: decoding, and every way a file can lie.</summary>
public class DeepCompressionTests
{
    private static readonly LayerParameter s_conv = new() { Name = "conv", Type = "Convolution" };
    private static readonly BlobSpec[] s_specs = [new(BlobRole.Weights, [2, 1, 2, 2], 4), new(BlobRole.Bias, [2])];

    /// <summary>One layer of 8 weights: entries at positions 1, 2 and 7 (gaps 1, 0, 4) with codes 3, 1, 2.</summary>
    private static byte[] File(uint storedCount = 3, byte[]? gaps = null)
    {
        var bytes = new List<byte>(BitConverter.GetBytes(storedCount));
        float[] codebook = new float[256];
        for (int i = 1; i < 256; i++) codebook[i] = i * 0.5f;
        foreach (float value in codebook.Concat([10f, 20f])) bytes.AddRange(BitConverter.GetBytes(value));
        bytes.AddRange([3, 1, 2]);
        bytes.AddRange(gaps ?? [0x01, 0x04]);
        return [.. bytes];
    }

    [Fact]
    public void DecodesCodesAndGapsIntoPositions()
    {
        var weights = new DeepCompressionWeights(File(), "x.net", ["conv"]);
        var blobs = weights.Take(s_conv, s_specs);
        weights.Complete();
        Assert.Equal([0f, 1.5f, 0.5f, 0, 0, 0, 0, 1f], blobs[0]);
        Assert.Equal([10f, 20f], blobs[1]);
    }

    [Fact]
    public void EveryTruncationIsAnErrorWithItsLocation()
    {
        byte[] bytes = File();
        for (int length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<CaffeFormatException>(() =>
            {
                var weights = new DeepCompressionWeights(bytes[..length], "x.net", ["conv"]);
                weights.Take(s_conv, s_specs);
                weights.Complete();
            });
            Assert.StartsWith("x.net: ", error.Message);
            Assert.Contains(length < 4 ? "header" : "layer #0 'conv'", error.Message);
        }
    }

    [Fact]
    public void AnAbsurdStoredCountIsCheckedAgainstTheFileBeforeReading()
    {
        var weights = new DeepCompressionWeights(File(storedCount: uint.MaxValue), "x.net", ["conv"]);
        var error = Assert.Throws<CaffeFormatException>(() => weights.Take(s_conv, s_specs));
        Assert.Equal("x.net: layer #0 'conv' codes: needs 4294967295 bytes at offset 1036, only 5 left", error.Message);
    }

    [Fact]
    public void GapsRunningPastTheWeightsAreAnError()
    {
        var weights = new DeepCompressionWeights(File(gaps: [0xFF, 0x0F]), "x.net", ["conv"]);
        var error = Assert.Throws<CaffeFormatException>(() => weights.Take(s_conv, s_specs));
        Assert.Contains("entry 0 lands at weight 15, past the 8 weights of shape [2, 1, 2, 2]", error.Message);
    }

    [Fact]
    public void TrailingBytesAreAnError()
    {
        var weights = new DeepCompressionWeights([.. File(), 0], "x.net", ["conv"]);
        weights.Take(s_conv, s_specs);
        Assert.Equal("x.net: 1 bytes left after the last layer; the file does not match the prototxt", Assert.Throws<CaffeFormatException>(weights.Complete).Message);
    }
}
