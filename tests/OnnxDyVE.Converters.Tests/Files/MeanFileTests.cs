using System.Text;
using Google.Protobuf;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Means;
using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Tests.Files;

/// <summary>Mean images in .npy and .binaryproto, and damaged ones.</summary>
public class MeanFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-means").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Npy(string header, int dataBytes, byte version = 1)
    {
        byte[] text = Encoding.Latin1.GetBytes(header);
        byte[] length = version == 1 ? BitConverter.GetBytes((ushort)text.Length) : BitConverter.GetBytes((uint)text.Length);
        return [0x93, .. "NUMPY"u8, version, 0, .. length, .. text, .. new byte[dataBytes]];
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("<f4", 4, 1)]
    [InlineData("<f8", 8, 2)]
    public void ReadsNpyFloatImages(string dtype, int itemSize, byte version)
    {
        byte[] bytes = Npy($"{{'descr': '{dtype}', 'fortran_order': False, 'shape': (3, 2, 2), }}\n", 12 * itemSize, version);
        if (itemSize == 4) BitConverter.GetBytes(1.5f).CopyTo(bytes, bytes.Length - 4);
        else BitConverter.GetBytes(1.5).CopyTo(bytes, bytes.Length - 8);
        var mean = MeanFiles.Read(Write("m.npy", bytes));
        Assert.Equal([3, 2, 2], mean.Shape);
        Assert.Equal(1.5f, mean.Values[^1]);
    }

    [Theory]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2, 2), }", 48, "dtype '>f4' is not supported")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2, 2), }", 48, "Fortran order is not supported")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }", 47, "shape [3, 2, 2] needs 48 data bytes, the file has 47")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", 0, "has more than 1073741824 elements")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }", 48, "is not an image [C, H, W] or [1, C, H, W]")]
    [InlineData("{'descr': '<f4', 'fortran_order': False }", 0, "has no readable 'shape'")]
    public void RejectsNpyFilesItCannotTrust(string header, int dataBytes, string message)
    {
        var error = Assert.Throws<CaffeFormatException>(() => MeanFiles.Read(Write("bad.npy", Npy(header, dataBytes))));
        Assert.Contains("bad.npy: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void RejectsATruncatedOrForeignNpyFile()
    {
        byte[] good = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }", 48);
        for (int length = 0; length < good.Length; length++)
            Assert.Throws<CaffeFormatException>(() => MeanFiles.Read(Write("cut.npy", good[..length])));
        byte[] hugeHeader = [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0x7F];
        Assert.Contains("header length", Assert.Throws<CaffeFormatException>(() => MeanFiles.Read(Write("huge.npy", hugeHeader))).Message);
    }

    [Fact]
    public void ReadsALegacyBinaryProtoAndRejectsDamagedOnes()
    {
        var blob = new BlobProto { Num = 1, Channels = 3, Height = 2, Width = 1 };
        blob.Data.AddRange(new float[] { 1, 2, 3, 4, 5, 6 });
        byte[] bytes = blob.ToByteArray();
        var mean = MeanFiles.Read(Write("m.binaryproto", bytes));
        Assert.Equal([3, 2, 1], mean.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], mean.Values);
        Assert.Contains("not a Caffe BlobProto", Assert.Throws<CaffeFormatException>(() => MeanFiles.Read(Write("cut.binaryproto", bytes[..^2]))).Message);
        blob.Data.Add(7);
        Assert.Contains("holds 7 values, its shape needs 6", Assert.Throws<CaffeFormatException>(() => MeanFiles.Read(Write("long.binaryproto", blob.ToByteArray()))).Message);
    }
}
