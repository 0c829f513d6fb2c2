using Onnx;
using OnnxDyVE.Graph;

namespace OnnxDyVE.Converters.Caffe.Emit;

/// <summary>
/// Accumulates one ONNX graph: nodes, initializers and unique value names. Names come from the Caffe net
/// (layer and blob names), made unique with a suffix, because Caffe reuses blob names for in-place layers.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    public string UniqueName(string preferred)
    {
        if (_names.Add(preferred)) return preferred;
        for (int i = 1; ; i++)
        {
            string candidate = $"{preferred}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Adds a node writing one new value named after <paramref name="output"/>; returns the value's name.</summary>
    public string Add(string opType, string layerName, string output, string[] inputs, params AttributeProto[] attributes)
    {
        string outputName = UniqueName(output);
        Graph.Node.Add(OnnxProto.Node(opType, "", UniqueName($"{layerName}/{opType}"), inputs, [outputName], attributes));
        return outputName;
    }

    public string Floats(string name, long[] dims, ReadOnlySpan<float> values) => Initializer(OnnxProto.FloatTensor(UniqueName(name), dims, values));

    public string Scalar(string name, float value) => Initializer(OnnxProto.FloatScalar(UniqueName(name), value));

    public string Int64s(string name, params long[] values) => Initializer(OnnxProto.Int64Vector(UniqueName(name), values));

    private string Initializer(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }
}
