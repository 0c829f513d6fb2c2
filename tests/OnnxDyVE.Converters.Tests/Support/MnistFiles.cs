using System.Buffers.Binary;
using System.IO.Compression;

namespace OnnxDyVE.Tests.Support;

/// <summary>The MNIST test set as ../shared holds it: gzip-compressed idx files (big-endian magic and sizes, then bytes).</summary>
internal static class MnistFiles
{
    public const int Side = 28;
    public const string Images = "data/mnist/t10k-images-idx3-ubyte.gz";
    public const string Labels = "data/mnist/t10k-labels-idx1-ubyte.gz";

    /// <summary>The bytes after the header: pixels (28 x 28 per image, row-major) or labels (one per image).</summary>
    public static byte[] ReadIdx(string path, int magic, int headerInts)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        byte[] bytes = buffer.ToArray();
        if (BinaryPrimitives.ReadInt32BigEndian(bytes) != magic)
            throw new InvalidDataException($"{path}: magic {BinaryPrimitives.ReadInt32BigEndian(bytes)}, expected {magic}");
        return bytes[(4 + 4 * headerInts)..];
    }
}
