using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>Thrown by <see cref="BoundedWeights"/>: the mutated net is valid but bigger than a fuzz input may be.</summary>
internal sealed class FuzzBudgetException(string message) : Exception(message);

/// <summary>
/// Zero weights for converting a mutated prototxt, up to a budget of elements: a mutation that turns num_output
/// into a million makes a legal net whose weights would only test the machine's memory, not the converter.
/// </summary>
internal sealed class BoundedWeights(long maxElements) : ILayerWeights
{
    private long _handedOut;

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
    {
        long count = specs.Sum(s => s.Count);
        if (_handedOut + count > maxElements)
            throw new FuzzBudgetException($"layer '{layer.Name}' asks for {count} weights; the fuzz budget is {maxElements}");
        _handedOut += count;
        return [.. specs.Select(s => new float[s.Count])];
    }

    public void Complete() { }
}
