using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// Counts the parameters another source hands out, and the weights (Convolution and InnerProduct kernels)
/// that are non-zero: pruning's sparsity, as Deep Compression reports it, is over weights, not biases.
/// </summary>
internal sealed class CountingWeights(ILayerWeights inner) : ILayerWeights
{
    public long ParameterCount { get; private set; }
    public long WeightCount { get; private set; }
    public long NonZeroWeightCount { get; private set; }

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
    {
        // Checked before the source allocates: random weights and Deep Compression's decoded weights take their
        // sizes from the prototxt alone, so without it a few lines of text could ask for any amount of memory.
        long asked = specs.Sum(s => s.Count);
        if (ParameterCount + asked > TensorLimits.MaxModelParameters)
            throw new CaffeFormatException($"layer '{layer.Name}' ({layer.Type}): its {asked} parameters bring the net to {ParameterCount + asked}, "
                + $"more than the {TensorLimits.MaxModelParameters} one ONNX file can hold (2 GiB)");
        IReadOnlyList<float[]> blobs = inner.Take(layer, specs);
        for (int i = 0; i < blobs.Count; i++)
        {
            ParameterCount += blobs[i].Length;
            if (specs[i].Role != BlobRole.Weights) continue;
            WeightCount += blobs[i].Length;
            NonZeroWeightCount += blobs[i].Count(v => v != 0f);
        }
        return blobs;
    }

    public void Complete() => inner.Complete();
}
