using Google.Protobuf.Collections;
using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Writes planned fusions into the graph: each DyVE node where the last node it replaces stood (in a sorted graph
/// every input of the chain is written before that, and every reader of its output comes after), then the
/// bookkeeping: constants only the replaced nodes read (initializers, their graph-input entries in models
/// before IR version 4, Constant nodes), value_info of tensors that vanished, the DyVE opset import.
/// </summary>
internal sealed class GraphEdit
{
    private readonly GraphIndex _graph;
    private readonly IReadOnlyDictionary<NodeProto, Fusion> _fusions;
    private readonly HashSet<string> _orphaned;
    private readonly HashSet<string> _vanished;

    public GraphEdit(GraphIndex graph, IReadOnlyDictionary<NodeProto, Fusion> fusions)
    {
        _graph = graph;
        _fusions = fusions;
        var replaced = fusions.Values.SelectMany(f => f.Absorbed.Prepend(f.Anchor)).ToHashSet();
        var kept = graph.Graph.Node.Where(n => !replaced.Contains(n)).ToList();
        var read = kept.Concat(fusions.Values.Select(f => f.Replacement)).SelectMany(n => n.Input)
            .Concat(graph.Graph.Output.Select(o => o.Name)).ToHashSet();
        _orphaned = [.. replaced.SelectMany(n => n.Input).Where(name => name.Length > 0 && !read.Contains(name) && !graph.IsReadBySubgraph(name))];
        DroppedConstantNodes = kept.Where(n => OpTypes.Is(n, OpTypes.Constant) && n.Output.All(_orphaned.Contains)).ToHashSet();
        var written = fusions.Values.Select(f => f.Replacement).Concat(kept.Except(DroppedConstantNodes)).SelectMany(n => n.Output).ToHashSet();
        _vanished = [.. replaced.Concat(DroppedConstantNodes).SelectMany(n => n.Output).Where(name => !written.Contains(name))];
    }

    /// <summary>Constant nodes that only replaced nodes read: they go with them.</summary>
    public IReadOnlySet<NodeProto> DroppedConstantNodes { get; }

    public void Apply(ModelProto model)
    {
        GraphProto graph = model.Graph;
        var replacementAt = _fusions.Values.ToDictionary(f => f.Absorbed.Count > 0 ? f.Absorbed[^1] : f.Anchor, f => f.Replacement);
        var replaced = _fusions.Values.SelectMany(f => f.Absorbed.Prepend(f.Anchor)).ToHashSet();
        NodeProto[] nodes = [.. graph.Node
            .Where(n => replacementAt.ContainsKey(n) || (!replaced.Contains(n) && !DroppedConstantNodes.Contains(n)))
            .Select(n => replacementAt.GetValueOrDefault(n) ?? n)];
        graph.Node.Clear();
        graph.Node.Add(nodes);

        // Only initializers the model had leave here: an orphaned name may also be a real graph input.
        bool Orphaned(string name) => _orphaned.Contains(name) && _graph.IsInitializer(name);
        RemoveWhere(graph.Input, v => Orphaned(v.Name));
        RemoveWhere(graph.Initializer, t => Orphaned(t.Name));
        graph.Initializer.Add(_fusions.Values.SelectMany(f => f.NewInitializers));
        RemoveWhere(graph.ValueInfo, v => _vanished.Contains(v.Name));

        if (!model.OpsetImport.Any(o => o.Domain == DyveSchema.Domain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = DyveSchema.Domain, Version = DyveSchema.OpsetVersion });
    }

    private static void RemoveWhere<T>(RepeatedField<T> items, Func<T, bool> remove)
    {
        for (int i = items.Count - 1; i >= 0; i--)
            if (remove(items[i])) items.RemoveAt(i);
    }
}
