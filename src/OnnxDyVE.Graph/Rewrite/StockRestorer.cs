using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// The inverse of <see cref="DyveRewriter"/>, exactly: every DyveConv becomes an ONNX Conv and every DyveGemm a Gemm,
/// each followed by its fused activation as a node of its own (Relu, LeakyRelu or Clip); every DyveLrn the stock nodes
/// the Caffe converter writes for it. DyVE's own attributes
/// (activation, mechanisms) and the effort input (DyveConv's and DyveGemm's input 3) are dropped, and with them the <see cref="EffortInput"/>
/// graph input and initializer once nothing reads them; everything else is kept. Stock ONNX Runtime runs the result with no
/// DyVE library, which is what a stock-against-DyVE comparison needs when it is given only the DyVE model.
/// </summary>
public static class StockRestorer
{
    private static readonly HashSet<string> ConvAttributes = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];
    private static readonly HashSet<string> GemmAttributes = ["alpha", "beta", "transA", "transB"];

    /// <summary>A copy of <paramref name="model"/> with no DyVE operators; throws <see cref="RewriteException"/> for an activation it does not know or a DyVE node without its output.</summary>
    public static ModelProto Restore(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new RewriteException("the model has no graph");
        // Planar first: blocked tensors and the DyVE pools exist only between DyVE operators.
        ModelProto result = BlockedLayout.Remove(model);
        GraphProto graph = result.Graph;
        var names = new NameAllocator(graph.Node.SelectMany(n => n.Output.Append(n.Name)).Concat(graph.Initializer.Select(i => i.Name)).Concat(graph.Input.Select(i => i.Name)));
        long opset = result.OpsetImport.Where(o => OpTypes.IsDefaultDomain(o.Domain)).Select(o => o.Version).DefaultIfEmpty(0).Max();

        var nodes = new List<NodeProto>(graph.Node.Count);
        bool readEffort = false;
        foreach (NodeProto node in graph.Node)
        {
            if (node.Domain != DyveSchema.Domain)
            {
                nodes.Add(node);
                continue;
            }
            if (node.OpType == DyveSchema.LrnOp)
            {
                nodes.AddRange(Lrn(node, graph, names));
                continue;
            }
            (string opType, HashSet<string> kept) = node.OpType switch
            {
                DyveSchema.ConvOp => (OpTypes.Conv, ConvAttributes),
                DyveSchema.GemmOp => (OpTypes.Gemm, GemmAttributes),
                _ => throw new RewriteException($"node '{node.Name}': unknown DyVE operator {node.OpType}"),
            };
            if (node.Output.Count != 1 || node.Output[0].Length == 0)
                throw new RewriteException($"node '{node.Name}' ({node.OpType}) has {node.Output.Count} outputs; a DyVE operator gives 1");
            string activation = node.Attribute.FirstOrDefault(a => a.Name == DyveSchema.Activation)?.S.ToStringUtf8() ?? DyveSchema.ActivationKinds.None;
            string output = node.Output[0];
            string layerOutput = activation == DyveSchema.ActivationKinds.None ? output : names.Fresh($"{output}_{opType.ToLowerInvariant()}");
            string[] inputs = [.. node.Input];
            int effortIndex = EffortInput.InputIndex(node)!.Value;
            readEffort |= inputs.Length > effortIndex && inputs[effortIndex] == EffortInput.Name;
            inputs = StockInputs(inputs, effortIndex);
            nodes.Add(OnnxProto.Node(opType, "", node.Name, inputs, [layerOutput], node.Attribute.Where(a => kept.Contains(a.Name)).Select(a => a.Clone())));
            if (activation != DyveSchema.ActivationKinds.None)
                nodes.Add(Activation(node, activation, layerOutput, output, opset, graph, names));
        }
        graph.Node.Clear();
        graph.Node.Add(nodes);
        if (readEffort) EffortInput.RemoveIfUnread(graph);
        foreach (OperatorSetIdProto import in result.OpsetImport.Where(o => o.Domain == DyveSchema.Domain).ToList())
            result.OpsetImport.Remove(import);
        return result;
    }

    /// <summary>
    /// Conv's inputs of a DyveConv's (X, W and B if there is one), Gemm's of a DyveGemm's (A, B and C if there is one):
    /// the effort (at <paramref name="effortIndex"/>) has no place in either.
    /// </summary>
    private static string[] StockInputs(string[] inputs, int effortIndex)
    {
        int count = Math.Min(inputs.Length, effortIndex);
        while (count > 2 && inputs[count - 1].Length == 0) count--;
        return inputs[..count];
    }

    /// <summary>
    /// A DyveLrn as stock nodes, as the Caffe converter writes a within-channel LRN (<see cref="WithinChannelLrnSpelling"/>,
    /// the form <see cref="WithinChannelLrnFusion"/> fuses).
    /// </summary>
    private static IEnumerable<NodeProto> Lrn(NodeProto node, GraphProto graph, NameAllocator names)
    {
        if (node.Input.Count != 1 || node.Output.Count != 1 || node.Output[0].Length == 0)
            throw new RewriteException($"node '{node.Name}' ({node.OpType}) has {node.Input.Count} inputs and {node.Output.Count} outputs; a DyveLrn has 1 and 1");
        AttributeProto Get(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)
            ?? throw new RewriteException($"node '{node.Name}' ({node.OpType}) has no attribute '{name}'");
        float bias = node.Attribute.FirstOrDefault(a => a.Name == DyveSchema.LrnBias)?.F ?? 1f;
        string Fresh(string what) => names.Fresh($"{node.Name}/{what}");
        string Scalar(string what, float value)
        {
            string name = Fresh(what);
            graph.Initializer.Add(OnnxProto.FloatScalar(name, value));
            return name;
        }
        return WithinChannelLrnSpelling.Nodes(node.Input[0], node.Output[0], node.Name, Get(DyveSchema.LrnSize).I, Get(DyveSchema.LrnAlpha).F, Get(DyveSchema.LrnBeta).F, bias, Fresh, Scalar);
    }

    private static NodeProto Activation(NodeProto node, string kind, string input, string output, long opset, GraphProto graph, NameAllocator names)
    {
        string name = names.Fresh($"{node.Name}_{kind}");
        float Float(string attribute, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == attribute)?.F ?? fallback;
        switch (kind)
        {
            case DyveSchema.ActivationKinds.Relu:
                return OnnxProto.Node("Relu", "", name, [input], [output], []);
            case DyveSchema.ActivationKinds.LeakyRelu:
                return OnnxProto.Node("LeakyRelu", "", name, [input], [output], [OnnxProto.Float("alpha", Float(DyveSchema.ActivationAlpha, 0.01f))]);
            case DyveSchema.ActivationKinds.Clip:
                float min = Float(DyveSchema.ActivationMin, float.MinValue), max = Float(DyveSchema.ActivationMax, float.MaxValue);
                // Clip's bounds became inputs in opset 11.
                if (opset is > 0 and < 11)
                    return OnnxProto.Node("Clip", "", name, [input], [output], [OnnxProto.Float("min", min), OnnxProto.Float("max", max)]);
                string minName = names.Fresh($"{name}_min"), maxName = names.Fresh($"{name}_max");
                graph.Initializer.Add(OnnxProto.FloatScalar(minName, min));
                graph.Initializer.Add(OnnxProto.FloatScalar(maxName, max));
                return OnnxProto.Node("Clip", "", name, [input, minName, maxName], [output], []);
            default:
                throw new RewriteException($"node '{node.Name}': unknown activation '{kind}'");
        }
    }
}
