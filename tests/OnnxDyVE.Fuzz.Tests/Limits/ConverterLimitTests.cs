using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Fuzz.Tests.Limits;

/// <summary>
/// A limit a few lines of prototxt could otherwise get past: each blob is within the per-blob bound (2^30 elements),
/// but the net's parameters are more than one ONNX file holds (2^29 floats, 2 GiB). Random and Deep Compression
/// weights take their sizes from the prototxt alone, so the converter must refuse before it asks any source.
/// </summary>
public sealed class ConverterLimitTests
{
    /// <summary>One fully connected layer of 2^29 weights and 2^14 biases.</summary>
    private const string HugeLayer = """
        name: "huge"
        input: "data"
        input_dim: 1 input_dim: 32768 input_dim: 1 input_dim: 1
        layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 16384 } }
        """;

    [Fact]
    public void A_net_with_more_parameters_than_one_onnx_file_holds_is_refused_before_any_weights_are_made()
    {
        CaffeNet net = CaffeNetReader.Read(HugeLayer, "huge.prototxt");
        var source = new RecordingWeights();
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CaffeFormatException>(() => CaffeConverter.Convert(net, source, new CaffeConversionOptions()));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the refusal allocated the weights first");
        Assert.Contains("'fc'", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 GiB", error.Message, StringComparison.Ordinal);
        Assert.Empty(source.Asked);
    }

    [Fact]
    public void Random_weights_are_refused_the_same_way()
    {
        CaffeNet net = CaffeNetReader.Read(HugeLayer, "huge.prototxt");

        Assert.Throws<CaffeFormatException>(() => CaffeConverter.Convert(net, new RandomWeights(1), new CaffeConversionOptions()));
    }

    private sealed class RecordingWeights : ILayerWeights
    {
        public List<string> Asked { get; } = [];

        public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
        {
            Asked.Add(layer.Name);
            return [.. specs.Select(s => new float[s.Count])];
        }

        public void Complete() { }
    }
}
