using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// The one effort tensor every DyveConv and DyveGemm of a model reads as its input 3: the graph input
/// <see cref="DyveSchema.EffortInput"/> (float, shape [], a scalar) with an initializer of the same name that
/// holds the default. From IR version 4 on, an initializer listed among the graph inputs is a default the caller
/// may replace: feed <c>dyve_effort</c> to a run to change the effort for that run, or leave it out to run at the
/// default. (Before IR version 4 every initializer is listed as an input and none can be fed: the default is
/// then the effort, always.) A rewritten model's default is 0, effort off; calibration raises it.
/// </summary>
public static class EffortInput
{
    public const string Name = DyveSchema.EffortInput;

    /// <summary>DyveConv's input index of the effort (after B).</summary>
    public const int ConvInputIndex = 3;

    /// <summary>DyveGemm's input index of the effort (after C).</summary>
    public const int GemmInputIndex = 3;

    /// <summary>The default effort of <paramref name="model"/>: its initializer's value. Throws when it has none.</summary>
    public static float Default(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        TensorProto initializer = Find(model.Graph) ?? throw new RewriteException($"the model has no effort input '{Name}'");
        return TensorData.Floats(initializer, "the effort input")[0];
    }

    /// <summary>
    /// Sets the default effort of <paramref name="model"/> to <paramref name="value"/> in [0, 1]. Throws when the model
    /// has no effort input (rewrite it first).
    /// </summary>
    public static void SetDefault(ModelProto model, float value)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(value >= 0 && value <= 1)) throw new ArgumentOutOfRangeException(nameof(value), value, "effort must be in [0, 1]");
        TensorProto initializer = Find(model.Graph) ?? throw new RewriteException($"the model has no effort input '{Name}'");
        TensorProto replacement = OnnxProto.FloatScalar(Name, value);
        GraphProto graph = model.Graph;
        graph.Initializer[graph.Initializer.IndexOf(initializer)] = replacement;
    }

    /// <summary>
    /// Wires every DyveConv and DyveGemm of the main graph that has no effort input to <see cref="Name"/>, adding the graph
    /// input and its initializer (default 0) if the model has none yet. A model without either is left alone. Throws
    /// <see cref="RewriteException"/> when the name is taken by anything other than an effort input.
    /// </summary>
    internal static void Wire(ModelProto model)
    {
        GraphProto graph = model.Graph;
        List<NodeProto> unwired = [.. graph.Node.Where(n => InputIndex(n) is int index && (n.Input.Count <= index || n.Input[index].Length == 0))];
        if (unwired.Count == 0) return;
        if (Find(graph) is null)
        {
            if (WhyNameIsTaken(graph) is string use)
                throw new RewriteException($"the name '{Name}' is {use}; the rewriter needs it for the DyVE effort input");
            graph.Input.Add(OnnxProto.FloatValue(Name, []));
            graph.Initializer.Add(OnnxProto.FloatScalar(Name, 0f));
        }
        foreach (NodeProto node in unwired)
        {
            // Optional inputs left out before the effort are empty names (no bias: [X, W, "", effort]; no C: [A, B, "", effort]).
            int index = InputIndex(node)!.Value;
            while (node.Input.Count < index) node.Input.Add("");
            if (node.Input.Count == index) node.Input.Add(Name);
            else node.Input[index] = Name;
        }
    }

    /// <summary>
    /// Removes the graph input and initializer <see cref="Name"/> once no node reads it (in the main graph or a
    /// subgraph), as <see cref="StockRestorer"/> leaves a model.
    /// </summary>
    internal static void RemoveIfUnread(GraphProto graph)
    {
        if (ReadIn(graph)) return;
        for (int i = graph.Input.Count - 1; i >= 0; i--)
            if (graph.Input[i].Name == Name) graph.Input.RemoveAt(i);
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
            if (graph.Initializer[i].Name == Name) graph.Initializer.RemoveAt(i);
    }

    /// <summary>Where <paramref name="node"/> takes the effort: its input index for DyveConv and DyveGemm, null for any other node.</summary>
    internal static int? InputIndex(NodeProto node) => node.Domain != DyveSchema.Domain ? null : node.OpType switch
    {
        DyveSchema.ConvOp => ConvInputIndex,
        DyveSchema.GemmOp => GemmInputIndex,
        _ => null,
    };

    /// <summary>
    /// The effort initializer, if <paramref name="graph"/> has the effort input: a graph input <see cref="Name"/> of
    /// type float and shape [] with a float scalar initializer of the same name, and no node writing the name.
    /// </summary>
    private static TensorProto? Find(GraphProto graph)
    {
        ValueInfoProto? input = graph.Input.FirstOrDefault(i => i.Name == Name);
        TensorProto? initializer = graph.Initializer.FirstOrDefault(t => t.Name == Name);
        if (input is null || initializer is null || !IsFloatScalar(input) || !IsFloatScalar(initializer)) return null;
        if (graph.Node.Any(n => n.Output.Contains(Name))) return null;
        return initializer;
    }

    private static bool IsFloatScalar(ValueInfoProto value) =>
        value.Type?.TensorType is { ElemType: (int)TensorProto.Types.DataType.Float, Shape: { Dim.Count: 0 } };

    private static bool IsFloatScalar(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float && tensor.Dims.Count == 0 && TensorData.WhyUnreadable(tensor) is null;

    /// <summary>What else uses <see cref="Name"/> in <paramref name="graph"/>, or null when the name is free.</summary>
    private static string? WhyNameIsTaken(GraphProto graph)
    {
        if (graph.Node.FirstOrDefault(n => n.Output.Contains(Name)) is NodeProto producer)
            return $"written by {GraphIndex.Describe(producer)}";
        if (graph.Input.Any(i => i.Name == Name))
            return "a graph input that is not a float scalar with an initializer of the same name";
        if (graph.Initializer.Any(t => t.Name == Name))
            return "an initializer that is not a float scalar listed among the graph inputs";
        if (graph.Output.Any(o => o.Name == Name)) return "a graph output";
        if (graph.ValueInfo.Any(v => v.Name == Name)) return "declared in value_info";
        if (graph.Node.FirstOrDefault(n => n.Input.Contains(Name)) is NodeProto reader) return $"read by {GraphIndex.Describe(reader)}";
        return null;
    }

    private static bool ReadIn(GraphProto graph) =>
        graph.Node.Any(n => n.Input.Contains(Name) || n.Attribute.Any(a => a.Graphs.Prepend(a.G).OfType<GraphProto>().Any(ReadIn)));
}
