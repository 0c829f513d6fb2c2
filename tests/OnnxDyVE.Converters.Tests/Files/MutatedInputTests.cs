using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Converters.Tests.Files;

/// <summary>
/// Seeded random damage to real files: whatever the damage, reading and converting either succeeds or fails
/// with a <see cref="CaffeFormatException"/> saying where, never with another exception, a hang or a huge allocation.
/// </summary>
public class MutatedInputTests
{
    private const int Mutations = 300;

    [Fact]
    public void DamagedPrototxtsFailWithALocation()
    {
        if (!SharedData.TryGetFile("models/caffe/cifar10_full/cifar10_full.prototxt", out string path)) return;
        string text = File.ReadAllText(path);
        var random = new Random(31);
        const string alphabet = "{}:\"'#\\-.0123456789eE \nabc";
        for (int i = 0; i < Mutations; i++)
        {
            var damaged = new System.Text.StringBuilder(text);
            for (int edit = 0; edit < 1 + random.Next(3); edit++)
            {
                int at = random.Next(damaged.Length);
                if (random.Next(2) == 0) damaged.Remove(at, 1 + random.Next(Math.Min(8, damaged.Length - at)));
                else damaged.Insert(at, alphabet[random.Next(alphabet.Length)]);
            }
            try
            {
                CaffeConverter.Convert(CaffeNetReader.Read(damaged.ToString(), "damaged.prototxt"), new RandomWeights(1), new CaffeConversionOptions());
            }
            catch (CaffeFormatException e)
            {
                Assert.StartsWith("damaged.prototxt", e.Message);
            }
        }
    }

    [Fact]
    public void DamagedCaffemodelsFailWithALocation()
    {
        if (!SharedData.TryGetFile("models/caffe/lenet_mnist/lenet.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/caffe/lenet_mnist/lenet_iter_10000.caffemodel", out string weights)) return;
        CaffeNet net = CaffeNetReader.ReadFile(prototxt);
        byte[] bytes = File.ReadAllBytes(weights);
        var random = new Random(37);
        for (int i = 0; i < Mutations; i++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            // Damage concentrated in the first kilobytes, where the tags and length prefixes of the layers are.
            for (int edit = 0; edit < 1 + random.Next(4); edit++) damaged[random.Next(Math.Min(damaged.Length, 4096))] = (byte)random.Next(256);
            if (random.Next(4) == 0) damaged = damaged[..random.Next(damaged.Length)];
            try
            {
                CaffeConverter.Convert(net, CaffeModelWeights.Read(damaged, "damaged.caffemodel"), new CaffeConversionOptions());
            }
            catch (CaffeFormatException e)
            {
                Assert.StartsWith("damaged.caffemodel", e.Message);
            }
        }
    }

    [Theory]
    [InlineData("type: \"Convolution\" convolution_param { num_output: 4000000000 kernel_size: 3 }", "blob 0 (weights, [4000000000, 3, 3, 3])")]
    [InlineData("type: \"InnerProduct\" inner_product_param { num_output: 1000000000 }", "blob 0 (weights, [1000000000, 3072])")]
    [InlineData("type: \"Pooling\" pooling_param { pool: AVE kernel_size: 1000000 pad: 999999 stride: 1 }", "top 'big'")]
    public void AbsurdSizesInAPrototxtAreErrorsNotAllocations(string layer, string what)
    {
        string prototxt = $"input: \"data\" input_dim: 1 input_dim: 3 input_dim: 32 input_dim: 32 layer {{ name: \"big\" {layer} bottom: \"data\" top: \"big\" }}";
        var error = Assert.Throws<CaffeFormatException>(() =>
            CaffeConverter.Convert(CaffeNetReader.Read(prototxt, "big.prototxt"), new RandomWeights(1), new CaffeConversionOptions()));
        Assert.StartsWith("big.prototxt: layer 'big'", error.Message);
        Assert.Contains(what, error.Message);
    }
}
