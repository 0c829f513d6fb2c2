using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// Where a layer's learned blobs come from: a caffemodel, Deep Compression weights or a seeded generator.
/// The converter asks in layer order, with the shapes the prototxt implies, so every source checks sizes
/// against what the layer needs before it trusts a file.
/// </summary>
public interface ILayerWeights
{
    /// <summary>The layer's blobs, one per spec and each of its spec's element count, in Caffe's C order.</summary>
    IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs);

    /// <summary>Called once every layer has taken its blobs: a source can reject what was left unused.</summary>
    void Complete();
}
