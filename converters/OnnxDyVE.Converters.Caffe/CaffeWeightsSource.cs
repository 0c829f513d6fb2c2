namespace OnnxDyVE.Converters.Caffe;

/// <summary>Where a conversion's learned parameters come from.</summary>
public abstract record CaffeWeightsSource
{
    private CaffeWeightsSource() { }

    /// <summary>A binary caffemodel (NetParameter with V1 or V2 layers).</summary>
    public sealed record CaffeModel(string Path) : CaffeWeightsSource;

    /// <summary>Deep Compression's <c>.net</c> format: Convolution layers only, in prototxt order.</summary>
    public sealed record DeepCompression(string Path) : CaffeWeightsSource;

    /// <summary>Seeded random weights for architecture-only prototxts (see <see cref="Weights.RandomWeights"/>).</summary>
    public sealed record Random(int Seed) : CaffeWeightsSource;
}
