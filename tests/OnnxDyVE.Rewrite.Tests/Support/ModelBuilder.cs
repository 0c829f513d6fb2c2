namespace OnnxDyVE.Rewrite.Tests.Support;

/// <summary>
/// Builds small float32 ONNX models for the tests: graph inputs of known shape, initializers of seeded random
/// values, nodes in the default domain, each writing one tensor named after the node.
/// </summary>
internal sealed class ModelBuilder(long opset = 13, int seed = 1)
{
    private readonly Random _random = new(seed);
    private readonly GraphProto _graph = new() { Name = "test" };

    public long Opset { get; } = opset;

    public string Input(string name, params long[] shape)
    {
        _graph.Input.Add(OnnxProto.FloatValue(name, shape));
        return name;
    }

    /// <summary>An initializer uniform in [<paramref name="low"/>, <paramref name="low"/> + 2).</summary>
    public string Weights(string name, long[] shape, float low = -1f)
    {
        var values = new float[checked((int)shape.Aggregate(1L, (a, b) => a * b))];
        for (int i = 0; i < values.Length; i++) values[i] = low + 2f * _random.NextSingle();
        return Constant(name, shape, values);
    }

    public string Constant(string name, long[] shape, float[] values)
    {
        _graph.Initializer.Add(OnnxProto.FloatTensor(name, shape, values));
        return name;
    }

    public string Scalar(string name, float value) => Constant(name, [], [value]);

    /// <summary>Turns the initializer <paramref name="name"/> into a Constant node writing the same tensor, as some exporters do.</summary>
    public string AsConstantNode(string name)
    {
        TensorProto tensor = _graph.Initializer.Single(t => t.Name == name);
        _graph.Initializer.Remove(tensor);
        _graph.Node.Insert(0, OnnxProto.Node("Constant", "", $"{name}_constant", [], [name],
            [new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor }]));
        return name;
    }

    /// <summary>Adds a node named <paramref name="name"/> writing the tensor <paramref name="name"/>; returns that tensor.</summary>
    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        _graph.Node.Add(OnnxProto.Node(opType, "", name, inputs, [name], attributes));
        return name;
    }

    /// <summary>Conv's inputs and a BatchNormalization with non-trivial statistics after it.</summary>
    public string BatchNorm(string name, string input, long channels, float epsilon = 1e-3f) =>
        Node("BatchNormalization", name,
            [input, Weights($"{name}_scale", [channels]), Weights($"{name}_B", [channels]),
             Weights($"{name}_mean", [channels], low: -0.5f), Weights($"{name}_var", [channels], low: 0.1f)],
            OnnxProto.Float("epsilon", epsilon));

    public ModelBuilder Output(string name, long[]? shape = null)
    {
        _graph.Output.Add(OnnxProto.FloatValue(name, shape));
        return this;
    }

    public GraphProto Graph => _graph;

    public ModelProto Build()
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "OnnxDyVE.Rewrite.Tests", Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }
}
