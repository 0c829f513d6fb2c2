using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Converters.Tests.Models;

/// <summary>The real Caffe models of ../shared convert and run in stock ONNX Runtime with the right output shape.</summary>
public class RealModelTests
{
    [Theory]
    [InlineData("cifar10_quick/cifar10_quick.prototxt", "cifar10_quick/cifar10_quick_iter_5000.caffemodel", 10)]
    [InlineData("cifar10_quick_v2/cifar10_quick.prototxt", "cifar10_quick_v2/cifar10_quick_iter_4000.caffemodel", 10)]
    [InlineData("cifar10_full/cifar10_full.prototxt", "cifar10_full/cifar10_full_iter_70000.caffemodel", 10)]
    [InlineData("lenet_mnist/lenet.prototxt", "lenet_mnist/lenet_iter_10000.caffemodel", 10)]
    public void TrainedModelsConvertAndRun(string prototxt, string weights, int classes)
    {
        if (!SharedData.TryGetFile($"models/caffe/{prototxt}", out string prototxtPath) || !SharedData.TryGetFile($"models/caffe/{weights}", out string weightsPath)) return;
        var conversion = CaffeConverter.ConvertFiles(prototxtPath, new CaffeWeightsSource.CaffeModel(weightsPath), new CaffeConversionOptions());
        float[] probabilities = RunOnce(conversion, batch: 2, classes);
        Assert.Equal(2, probabilities.Sum(), 1e-4);
    }

    [Fact]
    public void CifarMeanTravelsWithTheModel()
    {
        if (!SharedData.TryGetFile("models/caffe/cifar10_quick/cifar10_quick.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/caffe/cifar10_quick/cifar10_quick_iter_5000.caffemodel", out string weights)
            || !SharedData.TryGetFile("models/means/cifar10_mean.binaryproto", out string mean)) return;
        var options = new CaffeConversionOptions { MeanFile = mean, ChannelOrder = ChannelOrder.Rgb };
        var conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.CaffeModel(weights), options);
        var entry = Assert.Single(conversion.Model.MetadataProps, p => p.Key == Preprocessing.MetadataKey);
        var preprocessing = Preprocessing.FromJson(entry.Value);
        Assert.Equal(ChannelOrder.Rgb, preprocessing.ChannelOrder);
        Assert.Equal([3, 32, 32], preprocessing.Input);
        Assert.Equal([3, 32, 32], preprocessing.MeanImage!.Shape);
        Assert.InRange(preprocessing.MeanImage.Values.Average(), 100f, 140f);
    }

    [Fact]
    public void ImageNetMeanNpyIsCroppedFromTheLargerMeanImage()
    {
        if (!SharedData.TryGetFile("models/caffe/architectures/squeezenet_v1.1_deploy.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/means/ilsvrc_2012_mean.npy", out string mean)) return;
        var options = new CaffeConversionOptions { MeanFile = mean, Resize = 256, Crop = 227 };
        var conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.Random(1), options);
        Assert.Equal([3, 256, 256], conversion.Preprocessing!.MeanImage!.Shape);
        Assert.Equal(ChannelOrder.Bgr, conversion.Preprocessing.ChannelOrder);
        Assert.Equal([3, 227, 227], conversion.Preprocessing.Input);
    }

    /// <summary>
    /// Every architecture-only prototxt with seeded random weights gives 1000 finite class probabilities. VGG-16
    /// (138 M parameters, about 550 MB of floats) is converted like the others and also run once.
    /// </summary>
    [Theory]
    [InlineData("bvlc_alexnet_deploy.prototxt")]
    [InlineData("bvlc_alexnet_deploy_v1.prototxt")]
    [InlineData("squeezenet_v1.0_deploy.prototxt")]
    [InlineData("squeezenet_v1.1_deploy.prototxt")]
    [InlineData("vgg16_deploy.prototxt")]
    public void ArchitecturesRunWithRandomWeights(string prototxt)
    {
        if (!SharedData.TryGetFile($"models/caffe/architectures/{prototxt}", out string path)) return;
        var conversion = CaffeConverter.ConvertFiles(path, new CaffeWeightsSource.Random(7), new CaffeConversionOptions());
        float[] probabilities = RunOnce(conversion, batch: 1, classes: 1000);
        Assert.All(probabilities, p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void DeepCompressionSqueezeNetDecodesWithItsPublishedSparsity()
    {
        const string folder = "models/caffe/squeezenet_v1.0_deep_compression";
        if (!SharedData.TryGetFile($"{folder}/SqueezeNet_deploy.prototxt", out string prototxt) || !SharedData.TryGetFile($"{folder}/compressed_SqueezeNet.net", out string weights)) return;
        var conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.DeepCompression(weights), new CaffeConversionOptions { MeanValues = [104, 117, 123] });
        Assert.Equal(1_248_424, conversion.ParameterCount);
        Assert.Equal(33.4, Math.Round(100.0 * conversion.NonZeroWeightCount / conversion.WeightCount, 1));
        RunOnce(conversion, batch: 1, classes: 1000);
    }

    /// <summary>
    /// Runs a seeded input through the model; returns its output after checking its shape is [batch, classes]
    /// up to trailing 1s: SqueezeNet's scores stay [N, 1000, 1, 1] after its global pooling, as in Caffe.
    /// </summary>
    internal static float[] RunOnce(CaffeConversion conversion, int batch, int classes)
    {
        using var session = new InferenceSession(conversion.Model.ToByteArray());
        var input = session.InputMetadata.First();
        int[] shape = [batch, .. input.Value.Dimensions[1..]];
        var random = new Random(5);
        var tensor = new DenseTensor<float>(shape);
        for (int i = 0; i < tensor.Length; i++) tensor.SetValue(i, random.NextSingle() * 2 - 1);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input.Key, tensor)]);
        var output = results.First().AsTensor<float>();
        Assert.Equal(batch, output.Dimensions[0]);
        Assert.Equal([classes], output.Dimensions[1..].ToArray().Where(d => d != 1));
        return [.. output];
    }
}
