using System.Text;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Means;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Fuzz.Tests.Support;
using Xunit.Abstractions;

namespace OnnxDyVE.Fuzz.Tests.Fuzzing;

/// <summary>
/// The Caffe readers on mutated real files: every input is read and, when it reads, converted; each must end in a
/// model or a <see cref="CaffeFormatException"/>, within the time and allocation limits. A few seconds per target:
/// the CI count is fixed, ONNXDYVE_FUZZ_SCALE multiplies it and ONNXDYVE_FUZZ_SEED changes the inputs.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class CaffeReaderFuzzTests(ITestOutputHelper output)
{
    /// <summary>Readers allocate about the size of what they read (protobuf keeps every value, conversion copies the weights); 64x leaves room.</summary>
    private static readonly FuzzLimits ReaderLimits = new(TimeSpan.FromSeconds(10), AllocationBase: 64 << 20, AllocationPerInputByte: 64);

    /// <summary>A converted net's weights, in elements: 4M (16 MB) covers every seed but VGG-16 and AlexNet's fully connected layers.</summary>
    private const long WeightBudget = 4 << 20;

    private static bool IsCaffeError(Exception e) => e is CaffeFormatException or FuzzBudgetException;

    [Fact]
    public void Mutated_prototxts_convert_or_fail_with_a_caffe_format_error()
    {
        if (FuzzSeeds.Prototxts() is not { } seeds) return;
        var campaign = new FuzzCampaign<string>("prototxt", ReaderLimits, IsCaffeError).Run(
            FuzzBudget.Iterations(1500), FuzzBudget.Seed(1), random =>
            {
                (string name, string text) = seeds[random.Next(seeds.Count)];
                string mutated = TextMutator.Mutate(text, random);
                return new FuzzInput<string>(mutated, Encoding.UTF8.GetByteCount(mutated), name, () => Encoding.UTF8.GetBytes(mutated));
            },
            text =>
            {
                CaffeNet net = CaffeNetReader.Read(text, "fuzz.prototxt");
                CaffeConverter.Convert(net, new BoundedWeights(WeightBudget), new CaffeConversionOptions());
            });
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    [Theory]
    [InlineData("cifar10_quick/cifar10_quick.prototxt", "cifar10_quick/cifar10_quick_iter_5000.caffemodel")]
    [InlineData("cifar10_quick_v2/cifar10_quick.prototxt", "cifar10_quick_v2/cifar10_quick_iter_4000.caffemodel")]
    public void Mutated_caffemodels_convert_or_fail_with_a_caffe_format_error(string prototxt, string caffemodel)
    {
        if (FuzzSeeds.Text($"{FuzzSeeds.Caffe}/{prototxt}") is not { } text || FuzzSeeds.Bytes($"{FuzzSeeds.Caffe}/{caffemodel}") is not { } seed) return;
        CaffeNet net = CaffeNetReader.Read(text, prototxt);
        var campaign = new FuzzCampaign<byte[]>("caffemodel", ReaderLimits, IsCaffeError).Run(
            FuzzBudget.Iterations(150), FuzzBudget.Seed(2), random => Binary(ByteMutator.Mutate(seed, random), caffemodel),
            bytes => CaffeConverter.Convert(net, CaffeModelWeights.Read(bytes, "fuzz.caffemodel"), new CaffeConversionOptions()));
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    [Fact]
    public void Mutated_deep_compression_weights_convert_or_fail_with_a_caffe_format_error()
    {
        const string folder = $"{FuzzSeeds.Caffe}/squeezenet_v1.0_deep_compression";
        if (FuzzSeeds.Text($"{folder}/SqueezeNet_deploy.prototxt") is not { } text || FuzzSeeds.Bytes($"{folder}/compressed_SqueezeNet.net") is not { } seed) return;
        CaffeNet net = CaffeNetReader.Read(text, "SqueezeNet_deploy.prototxt");
        string[] convolutions = [.. net.Layers.Where(l => l.Type == "Convolution").Select(l => l.Name)];
        var campaign = new FuzzCampaign<byte[]>("deep-compression", ReaderLimits, IsCaffeError).Run(
            FuzzBudget.Iterations(60), FuzzBudget.Seed(3), random => Binary(ByteMutator.Mutate(seed, random), "compressed_SqueezeNet.net"),
            bytes => CaffeConverter.Convert(net, new DeepCompressionWeights(bytes, "fuzz.net", convolutions), new CaffeConversionOptions()));
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    [Fact]
    public void Mutated_mean_files_read_or_fail_with_a_caffe_format_error()
    {
        if (FuzzSeeds.Bytes("models/means/cifar10_mean.binaryproto") is not { } seed) return;
        var campaign = new FuzzCampaign<byte[]>("mean-binaryproto", ReaderLimits, IsCaffeError).Run(
            FuzzBudget.Iterations(1500), FuzzBudget.Seed(4), random => Binary(ByteMutator.Mutate(seed, random), "cifar10_mean.binaryproto"),
            bytes => MeanFiles.ReadBinaryProto(bytes, "fuzz.binaryproto"));
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    private static FuzzInput<byte[]> Binary(byte[] bytes, string origin) => new(bytes, bytes.Length, origin, () => bytes);
}
