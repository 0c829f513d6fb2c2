using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Converters.Tests.Support;

/// <summary>Blobs given by the test per layer name, checked against the shapes the converter asks for.</summary>
internal sealed class GivenWeights(Dictionary<string, float[][]> blobs) : ILayerWeights
{
    public List<(string Layer, BlobSpec[] Specs)> Requests { get; } = [];

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
    {
        Requests.Add((layer.Name, [.. specs]));
        float[][] given = blobs[layer.Name];
        Assert.Equal(specs.Count, given.Length);
        for (int i = 0; i < specs.Count; i++) Assert.Equal(specs[i].Count, given[i].Length);
        return given;
    }

    public void Complete() { }
}
