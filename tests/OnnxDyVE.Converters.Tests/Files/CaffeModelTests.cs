using Google.Protobuf;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Converters.Tests.Files;

/// <summary>Binary caffemodels, valid and damaged: every failure names the file, the layer and the blob.</summary>
public class CaffeModelTests
{
    private static readonly BlobSpec[] s_specs = [new(BlobRole.Weights, [2, 3], 3), new(BlobRole.Bias, [2])];

    private static byte[] Model(Action<BlobProto>? damageBias = null)
    {
        var weights = new BlobProto { Shape = new BlobShape { Dim = { 2, 3 } } };
        weights.Data.AddRange(new float[] { 1, 2, 3, 4, 5, 6 });
        var bias = new BlobProto { Shape = new BlobShape { Dim = { 2 } } };
        bias.Data.AddRange(new float[] { 7, 8 });
        damageBias?.Invoke(bias);
        var net = new NetParameter { Name = "n" };
        net.Layer.Add(new LayerParameter { Name = "data", Type = "Input" });
        net.Layer.Add(new LayerParameter { Name = "fc", Type = "InnerProduct", Blobs = { weights, bias } });
        return net.ToByteArray();
    }

    private static LayerParameter Fc => new() { Name = "fc", Type = "InnerProduct" };

    [Fact]
    public void ReadsBlobsOfV2Layers()
    {
        var blobs = CaffeModelWeights.Read(Model(), "m.caffemodel").Take(Fc, s_specs);
        Assert.Equal([1f, 2, 3, 4, 5, 6], blobs[0]);
        Assert.Equal([7f, 8], blobs[1]);
    }

    [Fact]
    public void ReadsV1LayersWithLegacyFourDimensionalBlobs()
    {
        var weights = new BlobProto { Num = 1, Channels = 1, Height = 2, Width = 3 };
        weights.Data.AddRange(new float[] { 1, 2, 3, 4, 5, 6 });
        var bias = new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 2 };
        bias.DoubleData.AddRange(new double[] { 7, 8 });
        var net = new NetParameter();
        net.Layers.Add(new V1LayerParameter { Name = "fc", Type = V1LayerParameter.Types.LayerType.InnerProduct, Blobs = { weights, bias } });
        var blobs = CaffeModelWeights.Read(net.ToByteArray(), "m").Take(Fc, s_specs);
        Assert.Equal([7f, 8], blobs[1]);
    }

    [Fact]
    public void EveryTruncationIsAnErrorWithItsLocation()
    {
        byte[] bytes = Model();
        for (int length = 1; length < bytes.Length; length++)
        {
            try
            {
                CaffeModelWeights.Read(bytes[..length], "m.caffemodel").Take(Fc, s_specs);
                Assert.Fail($"a file cut to {length} of {bytes.Length} bytes was accepted");
            }
            catch (CaffeFormatException e)
            {
                Assert.StartsWith("m.caffemodel: ", e.Message);
                Assert.True(e.Message.Contains("layer", StringComparison.Ordinal), e.Message);
            }
        }
    }

    [Fact]
    public void ATruncatedBlobIsLocatedByLayerAndBlob()
    {
        byte[] bytes = Model();
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(bytes[..^3], "m"));
        Assert.StartsWith("m: layer #1 'fc' blob 1: truncated", error.Message);
    }

    [Fact]
    public void AnInvalidWireTypeInsideALayerIsLocated()
    {
        // Layer (field 100) of one byte: a tag for field 1 with wire type 7, which does not exist.
        byte[] bytes = [0xA2, 0x06, 0x01, 0x0F];
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(bytes, "m"));
        Assert.StartsWith("m: layer #0 (name unreadable), after 0 whole blob(s)", error.Message);
    }

    [Fact]
    public void AWrongWireTypeInsideABlobIsLocated()
    {
        byte[] bytes = Model(bias => bias.Data.Clear());
        // Append to the bias blob's bytes a tag of field 5 (data) with the invalid wire type 6.
        var net = NetParameter.Parser.ParseFrom(bytes);
        var blob = net.Layer[1].Blobs[1].ToByteArray();
        var layer = new LayerParameter { Name = "fc" };
        var layerBytes = layer.ToByteArray().Concat(new byte[] { 0x3A, (byte)(blob.Length + 1) }).Concat(blob).Append((byte)0x2E).ToArray();
        byte[] file = [0xA2, 0x06, (byte)layerBytes.Length, .. layerBytes];
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(file, "m"));
        Assert.StartsWith("m: layer #0 'fc' blob 0: ", error.Message);
    }

    [Fact]
    public void AnAbsurdDeclaredLengthIsRejectedWithoutAllocatingIt()
    {
        // A layer claiming 2 GiB - 1 bytes in a 7-byte file.
        byte[] bytes = [0xA2, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(bytes, "m"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "more than 1 MiB allocated for a 7-byte file");
        Assert.Contains("layer #0 (at byte 2) is truncated: 2147483647 bytes declared, 0 left", error.Message);
    }

    [Fact]
    public void AnAbsurdDeclaredShapeIsRejectedBeforeAnyAllocation()
    {
        byte[] bytes = Model(bias => bias.Shape = new BlobShape { Dim = { 1L << 40, 1L << 40 } });
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(bytes, "m").Take(Fc, s_specs));
        Assert.Equal("m: layer 'fc' blob 1 (bias, [2]): declared shape [1099511627776, 1099511627776] but the layer needs [2]", error.Message);
    }

    [Fact]
    public void ACountThatDisagreesWithTheShapeIsAnError()
    {
        byte[] bytes = Model(bias => bias.Data.Add(9));
        var error = Assert.Throws<CaffeFormatException>(() => CaffeModelWeights.Read(bytes, "m").Take(Fc, s_specs));
        Assert.Equal("m: layer 'fc' blob 1 (bias, [2]): holds 3 values, its shape needs 2", error.Message);
    }

    [Fact]
    public void AMissingLayerOrBlobIsAnError()
    {
        var weights = CaffeModelWeights.Read(Model(), "m");
        Assert.Equal("m: no weights for layer 'other' (Convolution)",
            Assert.Throws<CaffeFormatException>(() => weights.Take(new LayerParameter { Name = "other", Type = "Convolution" }, s_specs)).Message);
        Assert.Equal("m: layer 'fc' (InnerProduct) has 2 blob(s), the prototxt implies 1",
            Assert.Throws<CaffeFormatException>(() => weights.Take(Fc, s_specs[..1])).Message);
    }
}
