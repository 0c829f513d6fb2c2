using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// Seeded weights for architecture-only prototxts, so their speed can be measured. Weights are uniform in
/// ±sqrt(6 / fan-in) (He et al.'s scale for ReLU nets), which keeps activations of the same order through
/// many layers; biases and shifts are 0, scales, variances and moving-average factors 1, means 0.
/// </summary>
public sealed class RandomWeights(int seed) : ILayerWeights
{
    private readonly Random _random = new(seed);

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs) => specs.Select(Fill).ToArray();

    public void Complete() { }

    private float[] Fill(BlobSpec spec)
    {
        var values = new float[spec.Count];
        switch (spec.Role)
        {
            case BlobRole.Weights:
                float limit = MathF.Sqrt(6f / Math.Max(1, spec.FanIn));
                for (int i = 0; i < values.Length; i++) values[i] = (2 * _random.NextSingle() - 1) * limit;
                break;
            case BlobRole.Variance or BlobRole.Scale or BlobRole.MovingAverageFactor:
                Array.Fill(values, 1f);
                break;
        }
        return values;
    }
}
