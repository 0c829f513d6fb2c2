using Google.Protobuf;
using Onnx;

namespace OnnxDyVE.Graph;

/// <summary>
/// Short constructors for the protobuf messages a model is made of: the generated types only have
/// property setters and repeated fields, which bury the model's structure under boilerplate.
/// </summary>
public static class OnnxProto
{
    public static TensorProto FloatTensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        // Raw little-endian bytes: one copy, where the repeated float field would box nothing but cost a loop.
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return tensor;
    }

    public static TensorProto FloatScalar(string name, float value) => FloatTensor(name, [], [value]);

    public static TensorProto Int64Tensor(string name, long[] dims, ReadOnlySpan<long> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return tensor;
    }

    /// <summary>A 1-D int64 tensor (shapes, axes, indices).</summary>
    public static TensorProto Int64Vector(string name, params long[] values) => Int64Tensor(name, [values.Length], values);

    /// <summary>A float tensor value whose shape is given, or left unknown when <paramref name="dims"/> is null.</summary>
    public static ValueInfoProto FloatValue(string name, long[]? dims) => Value(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>A tensor value of <paramref name="type"/>; a dimension of -1 (or all of them, when <paramref name="dims"/> is null) is left unknown.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, long[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (long dim in dims)
                tensorType.Shape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension() : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    public static NodeProto Node(string opType, string domain, string name, string[] inputs, string[] outputs,
        IEnumerable<AttributeProto> attributes)
    {
        var node = new NodeProto { OpType = opType, Domain = domain, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
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

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.Add(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }
}
