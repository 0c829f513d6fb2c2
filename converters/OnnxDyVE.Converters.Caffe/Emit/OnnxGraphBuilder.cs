using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

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
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{layerName}/{opType}") };
        node.Input.Add(inputs);
        node.Output.Add(outputName);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return outputName;
    }

    public string Floats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = UniqueName(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Scalar(string name, float value) => Floats(name, [], [value]);

    public string Int64s(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = UniqueName(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto FloatTensor(string name, float value)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(1);
        tensor.FloatData.Add(value);
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
    }
}
