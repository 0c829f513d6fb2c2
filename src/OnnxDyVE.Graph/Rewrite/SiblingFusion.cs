using Google.Protobuf;
using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// A Concat of a 1x1 and a spatial convolution of one input (SqueezeNet's fire modules: expand1x1, expand3x3) as one
/// DyveConv with pointwise channels (<see cref="DyveSchema.PointwiseChannels"/>) that writes the Concat's output, and
/// back. Only between exact DyveConvs writing blocked maps that the Concat alone reads, so the fused node is exact, on
/// Winograd's tiles or position tiles, and nothing else saw the two halves; and, where the sparse kernel is the faster
/// (<see cref="SparseWeights.RunApart"/>), not where the spatial half's weights are pruned.
/// </summary>
/// <remarks>
/// Why: the Concats copied both halves of every fire module's output, 0.26 ms of SqueezeNet's 9 ms in ORT's profiler
/// (2.9%), and one node is one task list over both halves' panels instead of two runs. The 1x1 half's weights are its
/// centre taps in the fused W (zeros elsewhere, never multiplied), so the fused node is also an ONNX Conv of the same
/// outputs; <see cref="DyveSchema.FusedNodes"/> keeps the names that taking it apart gives back.
/// </remarks>
internal static class SiblingFusion
{
    /// <summary>
    /// Attributes that say where a convolution reads and writes, compared by their meaning rather than as written; and
    /// the activation scale, which each layer has its own of (calibration measures it) and an exact node does not use
    /// (the 1x1 half's is kept in <see cref="DyveSchema.PointwiseActivationScale"/>).
    /// </summary>
    private static readonly HashSet<string> NotCompared =
        ["kernel_shape", "pads", "strides", "dilations", "auto_pad", DyveSchema.InputLayout, DyveSchema.OutputLayout, DyveSchema.ActivationScale];

    /// <summary>
    /// Fuses every such Concat of <paramref name="model"/> in place; returns how many. With <paramref name="prunedApart"/>,
    /// none whose spatial half's weights are pruned.
    /// </summary>
    public static int Fuse(ModelProto model, bool prunedApart)
    {
        var graph = new GraphIndex(model);
        var names = new NameAllocator(graph.Names);
        var pairs = new List<(NodeProto Concat, NodeProto Pointwise, NodeProto Spatial)>();
        foreach (NodeProto node in model.Graph.Node)
            if (Siblings(node, graph, prunedApart) is var (pointwise, spatial)) pairs.Add((node, pointwise, spatial));
        foreach ((NodeProto concat, NodeProto pointwise, NodeProto spatial) in pairs)
        {
            TensorProto wa = graph.Constant(pointwise.Input[1], out _)!, wb = graph.Constant(spatial.Input[1], out _)!;
            int ca = (int)wa.Dims[0], cb = (int)wb.Dims[0], channels = (int)wb.Dims[1];
            int kh = (int)wb.Dims[2], kw = (int)wb.Dims[3], taps = kh * kw, centre = kh / 2 * kw + kw / 2;
            float[] weightsA = TensorData.Floats(wa, GraphIndex.Describe(pointwise)), weightsB = TensorData.Floats(wb, GraphIndex.Describe(spatial));
            var weights = new float[(long)(ca + cb) * channels * taps];
            for (int i = 0; i < weightsA.Length; i++) weights[(long)i * taps + centre] = weightsA[i];
            weightsB.CopyTo(weights, (long)ca * channels * taps);
            string weightsName = names.Fresh($"{concat.Output[0]}_fused_W");
            model.Graph.Initializer.Add(OnnxProto.FloatTensor(weightsName, [ca + cb, channels, kh, kw], weights));
            string biasName = "";
            float[]? biasA = Bias(pointwise, graph), biasB = Bias(spatial, graph);
            if (biasA is not null || biasB is not null)
            {
                biasName = names.Fresh($"{concat.Output[0]}_fused_B");
                model.Graph.Initializer.Add(OnnxProto.FloatTensor(biasName, [ca + cb], [.. biasA ?? new float[ca], .. biasB ?? new float[cb]]));
            }
            var inputs = new List<string> { spatial.Input[0], weightsName, biasName };
            if (spatial.Input.Count > EffortInput.ConvInputIndex) inputs.Add(spatial.Input[EffortInput.ConvInputIndex]);
            IEnumerable<AttributeProto> attributes = spatial.Attribute.Select(a => a.Clone()).Append(OnnxProto.Int(DyveSchema.PointwiseChannels, ca))
                .Append(OnnxProto.Strings(DyveSchema.FusedNodes, pointwise.Name, pointwise.Output[0], pointwise.Input[1], Input(pointwise, 2),
                    spatial.Name, spatial.Output[0], spatial.Input[1], Input(spatial, 2), concat.Name));
            if (pointwise.Attribute.FirstOrDefault(a => a.Name == DyveSchema.ActivationScale) is { } scale)
                attributes = attributes.Append(OnnxProto.Float(DyveSchema.PointwiseActivationScale, scale.F));
            NodeProto fused = OnnxProto.Node(DyveSchema.ConvOp, DyveSchema.Domain, names.Fresh($"{pointwise.Name}+{spatial.Name}"),
                [.. inputs], [concat.Output[0]], attributes);
            model.Graph.Node[model.Graph.Node.IndexOf(concat)] = fused;
            model.Graph.Node.Remove(pointwise);
            model.Graph.Node.Remove(spatial);
        }
        DropUnread(model, pairs.SelectMany(p => new[] { p.Pointwise, p.Spatial }).SelectMany(n => n.Input.Skip(1).Take(2)));
        return pairs.Count;
    }

    /// <summary>Takes every fused node of <paramref name="model"/> apart again, in place: the two convolutions and their Concat, as they were.</summary>
    public static void Split(ModelProto model)
    {
        GraphProto graph = model.Graph;
        if (!graph.Node.Any(n => DyveNodes.IsConv(n) && n.Attribute.Any(a => a.Name == DyveSchema.FusedNodes))) return;
        var index = new GraphIndex(model);
        var dropped = new List<string>();
        for (int n = 0; n < graph.Node.Count; n++)
        {
            NodeProto fused = graph.Node[n];
            if (!DyveNodes.IsConv(fused) || fused.Attribute.FirstOrDefault(a => a.Name == DyveSchema.FusedNodes) is not { } provenance) continue;
            string where = GraphIndex.Describe(fused);
            if (provenance.Strings.Count != 9)
                throw new RewriteException($"{where}: attribute '{DyveSchema.FusedNodes}' holds {provenance.Strings.Count} names, not 9");
            string[] names = [.. provenance.Strings.Select(s => s.ToStringUtf8())];
            int ca = (int)(fused.Attribute.FirstOrDefault(a => a.Name == DyveSchema.PointwiseChannels)?.I ?? 0);
            TensorProto w = index.Constant(fused.Input[1], out string whyNot) ?? throw new RewriteException($"{where}: W: {whyNot}");
            if (w.Dims.Count != 4 || ca <= 0 || ca > w.Dims[0])
                throw new RewriteException($"{where}: '{DyveSchema.PointwiseChannels}' {ca} does not fit W of shape [{string.Join(", ", w.Dims)}]");
            int channels = (int)w.Dims[1], kh = (int)w.Dims[2], kw = (int)w.Dims[3], taps = kh * kw, centre = kh / 2 * kw + kw / 2;
            int cb = (int)w.Dims[0] - ca;
            float[] weights = TensorData.Floats(w, where);
            var weightsA = new float[(long)ca * channels];
            for (int i = 0; i < weightsA.Length; i++) weightsA[i] = weights[(long)i * taps + centre];
            float[]? bias = Input(fused, 2) is { Length: > 0 } b ? TensorData.Floats(index.Constant(b, out _)!, where) : null;
            if ((names[3].Length > 0 || names[7].Length > 0) && bias?.Length != ca + cb)
                throw new RewriteException($"{where}: B does not hold the {ca + cb} values the fused convolutions' biases need");
            // Weights another node still reads were kept when the nodes were fused.
            void Restore(string name, long[] dims, ReadOnlySpan<float> values)
            {
                if (name.Length > 0 && !index.IsInitializer(name) && !graph.Initializer.Any(i => i.Name == name))
                    graph.Initializer.Add(OnnxProto.FloatTensor(name, dims, values));
            }
            Restore(names[2], [ca, channels, 1, 1], weightsA);
            Restore(names[6], [cb, channels, kh, kw], weights.AsSpan((int)((long)ca * channels * taps)));
            Restore(names[3], [ca], bias.AsSpan(0, Math.Min(ca, bias?.Length ?? 0)));
            Restore(names[7], [cb], bias.AsSpan(Math.Min(ca, bias?.Length ?? 0)));
            dropped.AddRange(fused.Input.Skip(1).Take(2));

            string effort = Input(fused, EffortInput.ConvInputIndex);
            AttributeProto[] shared = [.. fused.Attribute.Where(a => a.Name is not (DyveSchema.PointwiseChannels or DyveSchema.FusedNodes or DyveSchema.PointwiseActivationScale))];
            AttributeProto? pointwiseScale = fused.Attribute.FirstOrDefault(a => a.Name == DyveSchema.PointwiseActivationScale);
            NodeProto Conv(string name, string output, string weightsName, string biasName, IEnumerable<AttributeProto> attributes) =>
                OnnxProto.Node(DyveSchema.ConvOp, DyveSchema.Domain, name,
                    effort.Length > 0 ? [fused.Input[0], weightsName, biasName, effort] : biasName.Length > 0 ? [fused.Input[0], weightsName, biasName] : [fused.Input[0], weightsName],
                    [output], attributes.Select(a => a.Clone()));
            NodeProto pointwise = Conv(names[0], names[1], names[2], names[3],
                shared.Where(a => a.Name is not ("kernel_shape" or "pads" or DyveSchema.ActivationScale))
                    .Concat(pointwiseScale is null ? [] : [OnnxProto.Float(DyveSchema.ActivationScale, pointwiseScale.F)]));
            NodeProto spatial = Conv(names[4], names[5], names[6], names[7], shared);
            NodeProto concat = OnnxProto.Node(OpTypes.Concat, "", names[8], [names[1], names[5]], [fused.Output[0]], [OnnxProto.Int("axis", 1)]);
            graph.Node[n] = pointwise;
            graph.Node.Insert(n + 1, spatial);
            graph.Node.Insert(n + 2, concat);
            n += 2;
        }
        DropUnread(model, dropped);
    }

    /// <summary>The 1x1 and the spatial DyveConv whose outputs <paramref name="concat"/> joins, where it can be one node; else null.</summary>
    private static (NodeProto Pointwise, NodeProto Spatial)? Siblings(NodeProto concat, GraphIndex graph, bool prunedApart)
    {
        if (!OpTypes.Is(concat, OpTypes.Concat) || concat.Input.Count != 2 || concat.Output.Count != 1) return null;
        if (graph.Producer(concat.Input[0]) is not { } pointwise || graph.Producer(concat.Input[1]) is not { } spatial) return null;
        if (!DyveNodes.IsBlockedExactConv(pointwise) || !DyveNodes.IsBlockedExactConv(spatial) || pointwise.Input[0] != spatial.Input[0]) return null;
        if (Input(pointwise, EffortInput.ConvInputIndex) != Input(spatial, EffortInput.ConvInputIndex)) return null;
        if (!concat.Input.All(half => DyveNodes.ReadOnlyBy(half, concat, graph))) return null;
        if (graph.Constant(pointwise.Input[1], out _) is not { Dims.Count: 4 } wa || graph.Constant(spatial.Input[1], out _) is not { Dims.Count: 4 } wb) return null;
        if (wa.Dims[0] % DyveSchema.PointwiseChannelMultiple != 0 || wa.Dims[1] != wb.Dims[1] || wa.Dims[2] != 1 || wa.Dims[3] != 1) return null;
        long kh = wb.Dims[2], kw = wb.Dims[3];
        if (kh % 2 == 0 || kw % 2 == 0 || (kh == 1 && kw == 1)) return null;
        if (!UnitGeometry(pointwise, [0, 0, 0, 0]) || !UnitGeometry(spatial, [kh / 2, kw / 2, kh / 2, kw / 2])) return null;
        // Pruned spatial weights run on the sparse kernel, where that is faster apart than fused (SparseWeights.RunApart).
        if (prunedApart && SparseWeights.ArePruned(TensorData.Floats(wb, GraphIndex.Describe(spatial)))) return null;
        // Everything else (activation, zero maps, scales, layouts) the same: the fused node carries the spatial one's.
        return SameAttributes(pointwise, spatial) && BiasReadable(pointwise, graph) && BiasReadable(spatial, graph) ? (pointwise, spatial) : null;
    }

    /// <summary>Strides and dilations of 1, no auto_pad, and exactly <paramref name="pads"/> (absent pads are zeros).</summary>
    private static bool UnitGeometry(NodeProto node, long[] pads)
    {
        AttributeProto? Get(string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
        return (Get("strides")?.Ints ?? [1, 1]).All(s => s == 1) && (Get("dilations")?.Ints ?? [1, 1]).All(d => d == 1)
            && (Get("pads")?.Ints.ToArray() ?? [0, 0, 0, 0]).SequenceEqual(pads)
            && Get("auto_pad")?.S.ToStringUtf8() is null or "" or "NOTSET";
    }

    private static bool SameAttributes(NodeProto a, NodeProto b)
    {
        AttributeProto[] Rest(NodeProto node) => [.. node.Attribute.Where(x => !NotCompared.Contains(x.Name)).OrderBy(x => x.Name, StringComparer.Ordinal)];
        AttributeProto[] restA = Rest(a), restB = Rest(b);
        return restA.Length == restB.Length && restA.Zip(restB).All(p => p.First.Equals(p.Second))
            && a.Attribute.FirstOrDefault(x => x.Name == DyveSchema.InputLayout)?.S == b.Attribute.FirstOrDefault(x => x.Name == DyveSchema.InputLayout)?.S;
    }

    private static string Input(NodeProto node, int index) => node.Input.Count > index ? node.Input[index] : "";

    private static bool BiasReadable(NodeProto node, GraphIndex graph) => Input(node, 2).Length == 0 || graph.Constant(node.Input[2], out _) is not null;

    private static float[]? Bias(NodeProto node, GraphIndex graph) =>
        Input(node, 2) is { Length: > 0 } name ? TensorData.Floats(graph.Constant(name, out _)!, GraphIndex.Describe(node)) : null;

    /// <summary>Drops the initializers among <paramref name="names"/> that no node reads any more.</summary>
    private static void DropUnread(ModelProto model, IEnumerable<string> names)
    {
        var read = model.Graph.Node.SelectMany(n => n.Input).ToHashSet();
        var candidates = names.Where(n => n.Length > 0 && !read.Contains(n)).ToHashSet();
        for (int i = model.Graph.Initializer.Count - 1; i >= 0; i--)
            if (candidates.Contains(model.Graph.Initializer[i].Name)) model.Graph.Initializer.RemoveAt(i);
    }
}
