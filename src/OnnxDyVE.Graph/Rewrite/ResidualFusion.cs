using Google.Protobuf;
using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// A residual block's end, Add(conv, Z) and the Relu after it (ResNet's), as input Z of the convolution
/// (<see cref="DyveSchema.ResidualInput"/>): activation(conv + bias + Z), and back. Only after an exact DyveConv without
/// an activation that writes blocked maps the Add alone reads, so the sum runs on its tiles' outputs while they are in L1.
/// </summary>
/// <remarks>
/// Why: ORT's Add read both tensors and wrote a third, its Relu read and wrote that again: 0.32 ms of ResNet18's 23.6
/// (ORT's profiler, one thread), where MLAS fuses both into its convolution. <see cref="DyveSchema.FusedResidual"/>
/// keeps the names that taking the node apart gives back.
/// </remarks>
internal static class ResidualFusion
{
    /// <summary>Fuses every such Add (and Relu) of <paramref name="model"/> in place; returns how many.</summary>
    public static int Fuse(ModelProto model)
    {
        var graph = new GraphIndex(model);
        var blocks = new List<(NodeProto Conv, NodeProto Add, NodeProto? Relu)>();
        foreach (NodeProto add in model.Graph.Node)
            if (Block(add, graph) is var (conv, relu)) blocks.Add((conv, add, relu));
        foreach ((NodeProto conv, NodeProto add, NodeProto? relu) in blocks)
        {
            string residual = add.Input[0] == conv.Output[0] ? add.Input[1] : add.Input[0];
            NodeProto last = relu ?? add;
            var inputs = new List<string>(conv.Input);
            while (inputs.Count < DyveSchema.ResidualInput) inputs.Add("");
            inputs.Add(residual);
            IEnumerable<AttributeProto> attributes = conv.Attribute.Where(a => relu is null || a.Name != DyveSchema.Activation).Select(a => a.Clone());
            if (relu is not null) attributes = attributes.Append(OnnxProto.String(DyveSchema.Activation, DyveSchema.ActivationKinds.Relu));
            attributes = attributes.Append(OnnxProto.Strings(DyveSchema.FusedResidual, add.Name, add.Input[0], add.Input[1], add.Output[0], relu?.Name ?? ""));
            NodeProto fused = OnnxProto.Node(DyveSchema.ConvOp, DyveSchema.Domain, conv.Name, [.. inputs], [last.Output[0]], attributes);
            model.Graph.Node[model.Graph.Node.IndexOf(last)] = fused;
            model.Graph.Node.Remove(conv);
            if (relu is not null) model.Graph.Node.Remove(add);
        }
        return blocks.Count;
    }

    /// <summary>Takes every node with a fused residual of <paramref name="model"/> apart again, in place.</summary>
    public static void Split(ModelProto model)
    {
        GraphProto graph = model.Graph;
        for (int n = 0; n < graph.Node.Count; n++)
        {
            NodeProto fused = graph.Node[n];
            if (!DyveNodes.IsConv(fused) || fused.Attribute.FirstOrDefault(a => a.Name == DyveSchema.FusedResidual) is not { } provenance) continue;
            if (provenance.Strings.Count != 5 || fused.Input.Count <= DyveSchema.ResidualInput)
                throw new RewriteException($"{GraphIndex.Describe(fused)}: attribute '{DyveSchema.FusedResidual}' holds {provenance.Strings.Count} names, not 5, or the node has no input Z");
            string[] names = [.. provenance.Strings.Select(s => s.ToStringUtf8())];
            string residual = fused.Input[DyveSchema.ResidualInput];
            string convOutput = names[1] == residual ? names[2] : names[1];
            bool relu = names[3] != fused.Output[0];
            // The convolution had no activation of its own (the rewriter writes none), the Relu's was fused.
            IEnumerable<AttributeProto> attributes = fused.Attribute.Where(a => a.Name != DyveSchema.FusedResidual && !(relu && a.Name == DyveSchema.Activation)).Select(a => a.Clone());
            if (relu) attributes = attributes.Append(OnnxProto.String(DyveSchema.Activation, DyveSchema.ActivationKinds.None));
            NodeProto conv = OnnxProto.Node(DyveSchema.ConvOp, DyveSchema.Domain, fused.Name, [.. fused.Input.Take(DyveSchema.ResidualInput)], [convOutput], [.. attributes]);
            graph.Node[n] = conv;
            graph.Node.Insert(++n, OnnxProto.Node(OpTypes.Add, "", names[0], [names[1], names[2]], [names[3]], []));
            if (relu) graph.Node.Insert(++n, OnnxProto.Node(OpTypes.Relu, "", names[4], [names[3]], [fused.Output[0]], []));
        }
    }

    /// <summary>The convolution <paramref name="add"/> ends a residual block of, and the Relu after it if it can go too; else null.</summary>
    private static (NodeProto Conv, NodeProto? Relu)? Block(NodeProto add, GraphIndex graph)
    {
        if (!OpTypes.Is(add, OpTypes.Add) || add.Input.Count != 2 || add.Output.Count != 1 || add.Input[0] == add.Input[1]) return null;
        foreach (string input in add.Input)
        {
            if (graph.Producer(input) is not { } conv || !DyveNodes.IsBlockedExactConv(conv) || conv.Input.Count > DyveSchema.ResidualInput) continue;
            if (conv.Attribute.FirstOrDefault(a => a.Name == DyveSchema.Activation)?.S.ToStringUtf8() is not (null or DyveSchema.ActivationKinds.None)) continue;
            if (!DyveNodes.ReadOnlyBy(input, add, graph)) continue;
            NodeProto? relu = graph.Readers(add.Output[0]) is [{ } reader] && OpTypes.Is(reader, OpTypes.Relu) && reader.Output.Count == 1
                && DyveNodes.ReadOnlyBy(add.Output[0], reader, graph) ? reader : null;
            return (conv, relu);
        }
        return null;
    }
}
