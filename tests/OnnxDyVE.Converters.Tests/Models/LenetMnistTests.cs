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
    private const int Side = MnistFiles.Side;

    [Fact]
    public void ClassifiesTheMnistTestSetAtAbout99Percent()
    {
        if (!SharedData.TryGetFile("models/caffe/lenet_mnist/lenet.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/caffe/lenet_mnist/lenet_iter_10000.caffemodel", out string weights)
            || !SharedData.TryGetFile(MnistFiles.Images, out string images)
            || !SharedData.TryGetFile(MnistFiles.Labels, out string labels)) return;
        var conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.CaffeModel(weights), new CaffeConversionOptions { Scale = 0.00390625f });
        byte[] pixels = MnistFiles.ReadIdx(images, magic: 2051, headerInts: 3);
        byte[] classes = MnistFiles.ReadIdx(labels, magic: 2049, headerInts: 1);
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
}
