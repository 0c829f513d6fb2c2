using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Who produces and who reads each tensor of the main graph, which tensors are constant, and which opset the
/// default domain is at: what the fusions ask before anything changes. Built once per rewrite; checks on the
/// way that every tensor a node reads exists and that no tensor is written twice.
/// </summary>
internal sealed class GraphIndex
{
    /// <summary>From IR version 4 on, an initializer that is also a graph input is only a default the caller may replace.</summary>
    private const long OverridableInitializersIrVersion = 4;

    private readonly Dictionary<string, TensorProto> _initializers = [];
    /// <summary>Values of Constant nodes, by output name: ONNX Runtime makes them initializers when it loads the model.</summary>
    private readonly Dictionary<string, TensorProto> _constantNodeValues = [];
    private readonly HashSet<string> _graphInputs = [];
    private readonly HashSet<string> _graphOutputs = [];
    private readonly Dictionary<string, NodeProto> _producers = [];
    private readonly Dictionary<string, List<NodeProto>> _consumers = [];
    private readonly Dictionary<string, TypeProto> _declaredTypes = [];
    /// <summary>Names read by nodes inside subgraphs (If/Loop/Scan bodies), which see the outer graph's tensors.</summary>
    private readonly HashSet<string> _subgraphReads = [];
    private readonly bool _inputsOverrideInitializers;

    public GraphIndex(ModelProto model)
    {
        Graph = model.Graph;
        _inputsOverrideInitializers = model.IrVersion >= OverridableInitializersIrVersion;
        DefaultOpset = model.OpsetImport.Where(o => OpTypes.IsDefaultDomain(o.Domain)).Select(o => o.Version).DefaultIfEmpty(1).Max();
        foreach (TensorProto initializer in Graph.Initializer)
            if (!_initializers.TryAdd(initializer.Name, initializer))
                throw new RewriteException($"initializer '{initializer.Name}' is defined twice");
        foreach (ValueInfoProto input in Graph.Input) _graphInputs.Add(input.Name);
        foreach (ValueInfoProto output in Graph.Output) _graphOutputs.Add(output.Name);
        foreach (ValueInfoProto value in Graph.ValueInfo.Concat(Graph.Input).Concat(Graph.Output))
            if (value.Type is not null) _declaredTypes.TryAdd(value.Name, value.Type);
        foreach (NodeProto node in Graph.Node)
        {
            foreach (string output in node.Output)
                if (output.Length > 0 && !_producers.TryAdd(output, node))
                    throw new RewriteException($"tensor '{output}' is written by both {Describe(_producers[output])} and {Describe(node)}");
            foreach (string input in node.Input)
                if (input.Length > 0) Consumers(input).Add(node);
            foreach (AttributeProto attribute in node.Attribute) AddSubgraphs(attribute);
            if (OpTypes.Is(node, OpTypes.Constant) && node.Output.Count == 1 && ConstantNodeValue(node) is TensorProto value)
                _constantNodeValues[node.Output[0]] = value;
        }
        foreach (NodeProto node in Graph.Node)
            foreach (string input in node.Input)
                if (input.Length > 0 && !_initializers.ContainsKey(input) && !_graphInputs.Contains(input) && !_producers.ContainsKey(input))
                    throw new RewriteException($"{Describe(node)} reads '{input}', which no initializer, graph input or node defines");
    }

    public GraphProto Graph { get; }
    public long DefaultOpset { get; }
    public int SubgraphCount { get; private set; }

    /// <summary>Every name in use in the graph, so that new tensors get fresh ones.</summary>
    public IEnumerable<string> Names =>
        _initializers.Keys.Concat(_graphInputs).Concat(_graphOutputs).Concat(_producers.Keys).Concat(_declaredTypes.Keys).Concat(_subgraphReads);

    public bool IsReadBySubgraph(string name) => _subgraphReads.Contains(name);

    /// <summary>
    /// The one node that reads <paramref name="tensor"/>, or null when it has several readers, none, is a graph
    /// output or is read inside a subgraph: only then can the node that writes it be fused with its reader.
    /// </summary>
    public NodeProto? SoleConsumer(string tensor)
    {
        if (_graphOutputs.Contains(tensor) || _subgraphReads.Contains(tensor)) return null;
        return _consumers.TryGetValue(tensor, out List<NodeProto>? readers) && readers.Count == 1 ? readers[0] : null;
    }

    /// <summary>
    /// Whether exactly <paramref name="a"/> and <paramref name="b"/> (two nodes) read <paramref name="tensor"/>, and it is
    /// neither a graph output nor read inside a subgraph: <see cref="SoleConsumer"/> for a tensor two nodes of one fusion read.
    /// </summary>
    public bool IsReadByExactly(string tensor, NodeProto a, NodeProto b) =>
        a != b && !_graphOutputs.Contains(tensor) && !_subgraphReads.Contains(tensor)
        && Readers(tensor) is { Count: 2 } readers && readers.Contains(a) && readers.Contains(b);

    /// <summary>The nodes of the main graph that read <paramref name="tensor"/>.</summary>
    public IReadOnlyList<NodeProto> Readers(string tensor) => _consumers.TryGetValue(tensor, out List<NodeProto>? readers) ? readers : [];

    /// <summary>Why <see cref="SoleConsumer"/> refused, for the report.</summary>
    public string WhyNotSoleConsumer(string tensor) =>
        _graphOutputs.Contains(tensor) ? $"'{tensor}' is a graph output"
        : _subgraphReads.Contains(tensor) ? $"'{tensor}' is read inside a subgraph"
        : $"'{tensor}' has {Readers(tensor).Count} readers";

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    /// <summary>The initializer or Constant node value <paramref name="name"/> when it is a constant, else null with the reason.</summary>
    public TensorProto? Constant(string name, out string whyNot)
    {
        whyNot = "";
        bool overridable = _inputsOverrideInitializers && _graphInputs.Contains(name);
        if (_initializers.TryGetValue(name, out TensorProto? tensor) && !overridable) return tensor;
        if (_constantNodeValues.TryGetValue(name, out TensorProto? value)) return value;
        whyNot = tensor is not null ? $"'{name}' is an initializer the caller may override (it is also a graph input)"
            : _producers.TryGetValue(name, out NodeProto? producer) ? $"'{name}' is computed by {Describe(producer)}, not a constant initializer"
            : $"'{name}' is a graph input, not a constant initializer";
        return null;
    }

    /// <summary>
    /// The constant <paramref name="name"/> when it is one the rewriter can read (float32, stored in the model),
    /// else null with the reason, which starts with <paramref name="role"/> (the input's name in its operator).
    /// </summary>
    public TensorProto? FloatConstant(string name, string role, out string whyNot)
    {
        TensorProto? tensor = Constant(name, out whyNot);
        whyNot = tensor is null ? $"{role} {whyNot}" : TensorData.WhyUnreadable(tensor) is string unreadable ? $"{role} {unreadable}" : "";
        return whyNot.Length == 0 ? tensor : null;
    }

    public NodeProto? Producer(string name) => _producers.GetValueOrDefault(name);

    /// <summary>The rank the graph declares for <paramref name="name"/> (value_info, input or output), if any.</summary>
    public int? DeclaredRank(string name) =>
        _declaredTypes.TryGetValue(name, out TypeProto? type) && type.TensorType?.Shape is TensorShapeProto shape ? shape.Dim.Count : null;

    public static string Describe(NodeProto node) => $"node '{node.Name}' ({node.OpType})";

    /// <summary>A Constant node's value as a tensor named after its output, for the value forms a float constant can take.</summary>
    private static TensorProto? ConstantNodeValue(NodeProto node)
    {
        AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name is "value" or "value_float" or "value_floats");
        TensorProto? value = attribute?.Name switch
        {
            "value" => attribute.T?.Clone(),
            "value_float" => OnnxProto.FloatScalar("", attribute.F),
            "value_floats" => OnnxProto.FloatTensor("", [attribute.Floats.Count], [.. attribute.Floats]),
            _ => null,
        };
        if (value is not null) value.Name = node.Output[0];
        return value;
    }

    private List<NodeProto> Consumers(string name)
    {
        if (!_consumers.TryGetValue(name, out List<NodeProto>? list)) _consumers[name] = list = [];
        return list;
    }

    private void AddSubgraphs(AttributeProto attribute)
    {
        foreach (GraphProto graph in attribute.Graphs.Prepend(attribute.G).OfType<GraphProto>())
        {
            SubgraphCount++;
            foreach (NodeProto node in graph.Node)
            {
                foreach (string input in node.Input)
                    if (input.Length > 0) _subgraphReads.Add(input);
                foreach (AttributeProto inner in node.Attribute) AddSubgraphs(inner);
            }
        }
    }
}
