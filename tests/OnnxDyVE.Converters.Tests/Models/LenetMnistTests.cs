using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Tests.Support;
using Xunit.Abstractions;

namespace OnnxDyVE.Converters.Tests.Models;

/// <summary>
/// End-to-end check on real data with no image decoding: BVLC's LeNet, converted, classifies the 10,000
/// MNIST test digits (pixels x 0.00390625, as it was trained) at its published accuracy of about 99%.
/// </summary>
public class LenetMnistTests(ITestOutputHelper output)
{
    private const int Side = 28;

    [Fact]
    public void ClassifiesTheMnistTestSetAtAbout99Percent()
    {
        if (!SharedData.TryGetFile("models/caffe/lenet_mnist/lenet.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/caffe/lenet_mnist/lenet_iter_10000.caffemodel", out string weights)
            || !SharedData.TryGetFile("data/mnist/t10k-images-idx3-ubyte.gz", out string images)
            || !SharedData.TryGetFile("data/mnist/t10k-labels-idx1-ubyte.gz", out string labels)) return;
        var conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.CaffeModel(weights), new CaffeConversionOptions { Scale = 0.00390625f });
        byte[] pixels = ReadIdx(images, magic: 2051, headerInts: 3);
        byte[] classes = ReadIdx(labels, magic: 2049, headerInts: 1);
        int count = classes.Length;
        Assert.Equal(10_000, count);
        Assert.Equal(count * Side * Side, pixels.Length);

        using var session = new InferenceSession(conversion.Model.ToByteArray());
        string inputName = session.InputMetadata.Keys.First();
        const int batch = 1000;
        int correct = 0;
        for (int start = 0; start < count; start += batch)
        {
            var input = new DenseTensor<float>([batch, 1, Side, Side]);
            for (int i = 0; i < batch * Side * Side; i++) input.SetValue(i, pixels[start * Side * Side + i] * conversion.Preprocessing!.Scale);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, input)]);
            float[] scores = [.. results.First().AsTensor<float>()];
            for (int b = 0; b < batch; b++)
            {
                var row = scores.AsSpan(b * 10, 10);
                if (row.IndexOf(MaxOf(row)) == classes[start + b]) correct++;
            }
        }
        double top1 = 100.0 * correct / count;
        output.WriteLine($"LeNet on the MNIST test set: top-1 {top1:F2}% ({correct} of {count})");
        Assert.InRange(top1, 98.5, 100);
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        float max = float.MinValue;
        foreach (float v in values) max = Math.Max(max, v);
        return max;
    }

    /// <summary>An idx file (big-endian magic and sizes, then bytes), gzip-compressed.</summary>
    private static byte[] ReadIdx(string path, int magic, int headerInts)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        byte[] bytes = buffer.ToArray();
        Assert.Equal(magic, BinaryPrimitives.ReadInt32BigEndian(bytes));
        return bytes[(4 + 4 * headerInts)..];
    }
}
