using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Evaluation;

/// <summary>
/// The image pipeline against values computed here: images are made by ONNX Runtime Extensions' own PNG encoder
/// (lossless), so every expected input value follows from known pixels.
/// </summary>
public sealed class ImagePreprocessorTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(ChannelOrder.Bgr)]
    [InlineData(ChannelOrder.Rgb)]
    public void Orders_channels_subtracts_the_mean_and_scales(ChannelOrder order)
    {
        byte[] bgr = Pixels(5, 7, seed: 1);
        string path = WritePng(bgr, 5, 7);
        var preprocessing = new Preprocessing { ChannelOrder = order, Input = [3, 5, 7], MeanValues = [10f, 20f, 30f], Scale = 0.5f };
        float[] actual = Prepare(preprocessing, path);
        for (int c = 0; c < 3; c++)
        {
            int source = order == ChannelOrder.Bgr ? c : 2 - c;
            for (int i = 0; i < 35; i++)
                Assert.Equal((bgr[i * 3 + source] - preprocessing.MeanValues[c]) * 0.5f, actual[c * 35 + i], Tolerance);
        }
    }

    [Fact]
    public void Crops_the_centre_of_a_larger_image_and_of_the_mean_image()
    {
        byte[] bgr = Pixels(9, 12, seed: 2);
        string path = WritePng(bgr, 9, 12);
        float[] mean = Enumerable.Range(0, 3 * 6 * 6).Select(i => (float)i).ToArray();
        var preprocessing = new Preprocessing { Input = [3, 4, 5], MeanImage = new MeanImage([3, 6, 6], mean) };
        float[] actual = Prepare(preprocessing, path);
        // Image offsets ((9 - 4) / 2, (12 - 5) / 2) = (2, 3); mean offsets ((6 - 4) / 2, (6 - 5) / 2) = (1, 0).
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++)
                    Assert.Equal(bgr[((y + 2) * 12 + x + 3) * 3 + c] - mean[(c * 6 + y + 1) * 6 + x], actual[(c * 4 + y) * 5 + x], Tolerance);
    }

    [Fact]
    public void Resizes_then_crops_an_image_of_another_size()
    {
        // A uniform image stays uniform through bilinear resizing: only the sizes are under test here.
        byte[] bgr = new byte[13 * 17 * 3];
        for (int i = 0; i < bgr.Length; i++) bgr[i] = (byte)(i % 3 == 0 ? 40 : i % 3 == 1 ? 120 : 200);
        string path = WritePng(bgr, 13, 17);
        var preprocessing = new Preprocessing { Input = [3, 8, 8], Resize = [10, 10] };
        float[] actual = Prepare(preprocessing, path);
        Assert.All(actual.AsSpan(0, 64).ToArray(), v => Assert.Equal(40f, v, Tolerance));
        Assert.All(actual.AsSpan(128, 64).ToArray(), v => Assert.Equal(200f, v, Tolerance));
    }

    [Fact]
    public void Converts_to_grey_as_OpenCV_does()
    {
        byte[] bgr = Pixels(4, 4, seed: 3);
        string path = WritePng(bgr, 4, 4);
        float[] actual = Prepare(new Preprocessing { ChannelOrder = ChannelOrder.Gray, Input = [1, 4, 4], Scale = 0.00390625f }, path);
        for (int i = 0; i < 16; i++)
        {
            double grey = Math.Round(0.114 * bgr[i * 3] + 0.587 * bgr[i * 3 + 1] + 0.299 * bgr[i * 3 + 2], MidpointRounding.ToEven);
            Assert.Equal(grey * 0.00390625, actual[i], 1e-3);
        }
    }

    [Fact]
    public void A_grey_image_feeds_a_colour_model_three_equal_channels()
    {
        // A real one-component JPEG from the ImageNet sample (EncodeImage writes colour only).
        if (!SharedData.TryGetFile("data/imagenet/sample1000/n02096051_Airedale.JPEG", out string path)) return;
        float[] actual = Prepare(new Preprocessing { ChannelOrder = ChannelOrder.Bgr, Input = [3, 227, 227], MeanValues = [1f, 2f, 3f], Resize = [256, 256] }, path);
        int plane = 227 * 227;
        for (int i = 0; i < plane; i++)
        {
            Assert.Equal(actual[i] + 1f, actual[plane + i] + 2f, Tolerance);
            Assert.Equal(actual[i] + 1f, actual[2 * plane + i] + 3f, Tolerance);
        }
        Assert.True(actual.AsSpan(0, plane).ToArray().Distinct().Count() > 100, "the image is not blank");
    }

    [Fact]
    public void A_smaller_image_without_a_resize_names_the_file_and_sizes()
    {
        string path = WritePng(Pixels(3, 3, seed: 4), 3, 3);
        var error = Assert.Throws<InvalidDataException>(() => Prepare(new Preprocessing { Input = [3, 4, 4] }, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("smaller than the model's 4 x 4", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_image_names_the_file()
    {
        string path = Path.Combine(_folder, "broken.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var error = Assert.Throws<InvalidDataException>(() => Prepare(new Preprocessing { Input = [3, 4, 4] }, path));
        Assert.Contains(path, error.Message);
    }

    private static float[] Prepare(Preprocessing preprocessing, string path)
    {
        using var preprocessor = new ImagePreprocessor(preprocessing);
        var input = new float[preprocessor.InputLength];
        preprocessor.Prepare(path, input);
        return input;
    }

    private static byte[] Pixels(int height, int width, int seed)
    {
        var pixels = new byte[height * width * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    /// <summary>Encodes H x W x 3 BGR pixels as a PNG file with ONNX Runtime Extensions' EncodeImage.</summary>
    private string WritePng(byte[] bgr, int height, int width)
    {
        var graph = new GraphProto { Name = "encode" };
        graph.Input.Add(OnnxProto.Value("pixels", TensorProto.Types.DataType.Uint8, [height, width, 3]));
        graph.Output.Add(OnnxProto.Value("png", TensorProto.Types.DataType.Uint8, [-1]));
        graph.Node.Add(OnnxProto.Node("EncodeImage", PreprocessGraph.ExtensionsDomain, "encode", ["pixels"], ["png"], [OnnxProto.String("format", "png")]));
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = PreprocessGraph.OpsetVersion });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = PreprocessGraph.ExtensionsDomain, Version = 1 });

        using var options = new SessionOptions();
        OrtExtensionsLibrary.Register(options);
        using var session = new InferenceSession(model.ToByteArray(), options);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(bgr, [height, width, 3]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> output = session.Run(runOptions, ["pixels"], [input], ["png"]);
        string path = Path.Combine(_folder, $"image{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, output[0].GetTensorDataAsSpan<byte>().ToArray());
        return path;
    }
}
