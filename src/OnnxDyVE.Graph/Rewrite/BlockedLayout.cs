using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Gives the blocked layout (<see cref="DyveSchema.Layouts.Blocked"/>) to the tensors that flow only between exact
/// DyveConv nodes of one group, directly or through
/// Concat on the channel axis in whole blocks, MaxPool or AveragePool (which become <see cref="DyveSchema.MaxPoolOp"/> and
/// <see cref="DyveSchema.AveragePoolOp"/>), a residual Add or Relu of blocked maps (which ORT computes the same on either
/// layout) or a DyveLrn (which runs on either), and takes it away again.
/// </summary>
/// <remarks>
/// Why: MLAS runs a network's convolutions in its NCHWc layout from the first to the last, so each reads a handful of
/// line-wide streams and writes its outputs as they come. DyVE's planar kernels read K planes and transpose their
/// results into maps, and inside SqueezeNet (ORT's profiler, 1 thread, medians) its 1x1 convolutions ran at 0.33x-0.76x
/// of MLAS's, where alone they were level. A tensor is blocked only where every reader and its writer are DyVE
/// convolutions that stay exact at every effort (no SDSS, SPET or SFMA): the mechanisms work on planar maps, and every
/// other operator sees the ONNX layout it expects. Graph outputs and tensors subgraphs read stay planar.
/// </remarks>
public static class BlockedLayout
{
    /// <summary>
    /// A copy of <paramref name="model"/> with the blocked layout wherever it applies; <paramref name="tensors"/> counts
    /// them. Without <paramref name="fuseSiblings"/> a fire module's expands stay two nodes (<see cref="SiblingFusion"/>):
    /// calibration's passes measure each layer on its own. <paramref name="wideFmaRate"/>: the 512-bit FMAs a cycle of the
    /// machine the model is for, which decides whether pruned fire modules stay apart (<see cref="SparseWeights.RunApart"/>);
    /// this machine's (<see cref="WideFmaRate"/>) unless given.
    /// </summary>
    public static ModelProto Apply(ModelProto model, out int tensors, bool fuseSiblings = true, int? wideFmaRate = null)
    {
        ModelProto result = Remove(model);
        var graph = new GraphIndex(result);
        Dictionary<string, int> blocked = BlockedTensors(graph);
        foreach (NodeProto node in graph.Graph.Node)
        {
            if (IsConv(node))
            {
                if (blocked.ContainsKey(node.Input[0])) node.Attribute.Add(OnnxProto.String(DyveSchema.InputLayout, DyveSchema.Layouts.Blocked));
                if (blocked.ContainsKey(node.Output[0])) node.Attribute.Add(OnnxProto.String(DyveSchema.OutputLayout, DyveSchema.Layouts.Blocked));
            }
            else if (OpTypes.Is(node, OpTypes.Concat) && blocked.ContainsKey(node.Output[0]))
            {
                // Channel blocks are axis 1 of the rank-5 tensor too; a negative axis would now count from a different end.
                node.Attribute.Single(a => a.Name == "axis").I = 1;
            }
            else if (IsLrn(node) && blocked.ContainsKey(node.Output[0]))
            {
                node.Attribute.Add(OnnxProto.String(DyveSchema.InputLayout, DyveSchema.Layouts.Blocked));
                node.Attribute.Add(OnnxProto.String(DyveSchema.OutputLayout, DyveSchema.Layouts.Blocked));
            }
            else if (IsSimplePool(node) && blocked.TryGetValue(node.Input[0], out int channels))
            {
                // Reads blocked maps (ORT would reorder them into its own layout and back); writes them where its readers can read them.
                node.OpType = OpTypes.Is(node, OpTypes.MaxPool) ? DyveSchema.MaxPoolOp : DyveSchema.AveragePoolOp;
                node.Domain = DyveSchema.Domain;
                for (int i = node.Attribute.Count - 1; i >= 0; i--)
                    if (node.Attribute[i].Name is not ("kernel_shape" or "strides" or "pads" or "count_include_pad")) node.Attribute.RemoveAt(i);
                node.Attribute.Add(OnnxProto.Int(DyveSchema.Channels, channels));
                node.Attribute.Add(OnnxProto.String(DyveSchema.InputLayout, DyveSchema.Layouts.Blocked));
                if (blocked.ContainsKey(node.Output[0])) node.Attribute.Add(OnnxProto.String(DyveSchema.OutputLayout, DyveSchema.Layouts.Blocked));
            }
        }
        // Their declared shapes are NCHW's: dropped, ORT infers the blocked ones from the nodes.
        for (int i = result.Graph.ValueInfo.Count - 1; i >= 0; i--)
            if (blocked.ContainsKey(result.Graph.ValueInfo[i].Name)) result.Graph.ValueInfo.RemoveAt(i);
        tensors = blocked.Count;
        if (fuseSiblings) SiblingFusion.Fuse(result, SparseWeights.RunApart(wideFmaRate ?? WideFmaRate.PerCycle));
        ResidualFusion.Fuse(result);
        return result;
    }

    /// <summary>
    /// A copy of <paramref name="model"/> with every tensor planar: the layout attributes dropped, every DyveMaxPool an
    /// ONNX MaxPool again, every DyveAveragePool an AveragePool.
    /// </summary>
    public static ModelProto Remove(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new RewriteException("the model has no graph");
        ModelProto result = model.Clone();
        ResidualFusion.Split(result);
        SiblingFusion.Split(result);
        foreach (NodeProto node in result.Graph.Node)
        {
            bool pool = IsPool(node);
            if (!pool && !IsConv(node) && !IsLrn(node)) continue;
            if (pool)
            {
                node.OpType = node.OpType == DyveSchema.MaxPoolOp ? OpTypes.MaxPool : OpTypes.AveragePool;
                node.Domain = "";
            }
            for (int i = node.Attribute.Count - 1; i >= 0; i--)
            {
                string name = node.Attribute[i].Name;
                if (name is DyveSchema.InputLayout or DyveSchema.OutputLayout || (pool && name == DyveSchema.Channels)) node.Attribute.RemoveAt(i);
            }
        }
        return result;
    }

    /// <summary>The tensors that can be blocked, with their channel counts: the largest set closed under the rules above.</summary>
    private static Dictionary<string, int> BlockedTensors(GraphIndex graph)
    {
        var channels = new Dictionary<string, int>();
        foreach (NodeProto node in graph.Graph.Node)
        {
            if (IsExactConv(node, graph) is int outputs) channels[node.Output[0]] = outputs;
            else if (IsChannelConcat(node) && node.Input.All(channels.ContainsKey))
                channels[node.Output[0]] = node.Input.Sum(i => channels[i]);
            else if (IsSimplePool(node) && channels.TryGetValue(node.Input[0], out int pooled))
                channels[node.Output[0]] = pooled;
            else if (IsElementwise(node) && node.Input.All(channels.ContainsKey) && node.Input.Select(i => channels[i]).Distinct().Count() == 1)
                channels[node.Output[0]] = channels[node.Input[0]];
            else if (IsLrn(node) && channels.TryGetValue(node.Input[0], out int normalized))
                channels[node.Output[0]] = normalized;
        }
        var blocked = new Dictionary<string, int>(channels);
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (string tensor in blocked.Keys.ToList())
                if (!Holds(tensor, graph, blocked))
                {
                    blocked.Remove(tensor);
                    changed = true;
                }
            if (changed) continue;
            // Only then a padded 1x1 convolution whose output stayed blocked gives up its blocked input.
            foreach (NodeProto node in graph.Graph.Node)
                if (IsConv(node) && blocked.ContainsKey(node.Output[0]) && IsPaddedPointwise(node, graph) && blocked.Remove(node.Input[0]))
                    changed = true;
        }
        return blocked;
    }

    /// <summary>Whether <paramref name="tensor"/> can stay blocked while the tensors of <paramref name="blocked"/> are.</summary>
    private static bool Holds(string tensor, GraphIndex graph, Dictionary<string, int> blocked)
    {
        if (graph.Readers(tensor).Count == 0) return false;
        if (graph.IsReadBySubgraph(tensor) || graph.Graph.Output.Any(o => o.Name == tensor)) return false;
        NodeProto producer = graph.Producer(tensor)!;
        // A Concat joins whole blocks only: every part blocked, each a whole number of blocks.
        if (OpTypes.Is(producer, OpTypes.Concat)
            && !producer.Input.All(i => blocked.TryGetValue(i, out int c) && c % DyveSchema.Layouts.Block == 0)) return false;
        if ((IsSimplePool(producer) || IsElementwise(producer) || IsLrn(producer)) && !producer.Input.All(blocked.ContainsKey)) return false;
        foreach (NodeProto reader in graph.Readers(tensor))
        {
            if (IsExactConv(reader, graph) is not null)
            {
                if (reader.Input.Skip(1).Contains(tensor)) return false;
                // A padded 1x1 convolution reads blocked maps only where its kernel can compute just the interior (its
                // output planar as well: BlockedTensors settles that once the rest holds).
                if (IsPaddedPointwise(reader, graph) && !FiniteWeights(reader, graph)) return false;
            }
            // A pool reads blocked maps whatever it writes; a Concat, an elementwise node and a DyveLrn, only when they write them too.
            else if (!IsSimplePool(reader) && (!(IsChannelConcat(reader) || IsElementwise(reader) || IsLrn(reader)) || !blocked.ContainsKey(reader.Output[0]))) return false;
        }
        return true;
    }

    private static bool IsConv(NodeProto node) => node.Domain == DyveSchema.Domain && node.OpType == DyveSchema.ConvOp;

    /// <summary>A DyveLrn node: it writes the layout it reads.</summary>
    private static bool IsLrn(NodeProto node) => node.Domain == DyveSchema.Domain && node.OpType == DyveSchema.LrnOp && node.Input.Count == 1 && node.Output.Count == 1;

    /// <summary>A DyveMaxPool or DyveAveragePool node.</summary>
    internal static bool IsPool(NodeProto node) => node.Domain == DyveSchema.Domain && node.OpType is DyveSchema.MaxPoolOp or DyveSchema.AveragePoolOp;

    /// <summary>
    /// A MaxPool DyveMaxPool computes, or an AveragePool DyveAveragePool does: 2-D, one output, explicit pads smaller than
    /// the kernel, no dilation, floor rounding, default storage order, count_include_pad 0 or 1.
    /// </summary>
    private static bool IsSimplePool(NodeProto node)
    {
        bool max = OpTypes.Is(node, OpTypes.MaxPool);
        if (!(max || OpTypes.Is(node, OpTypes.AveragePool)) || node.Input.Count != 1 || node.Output.Count is 0 or > 2
            || (node.Output.Count == 2 && (!max || node.Output[1].Length > 0)))
            return false;
        AttributeProto? Get(string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
        if (Get("kernel_shape")?.Ints is not { Count: 2 } kernel || kernel.Any(k => k <= 0)) return false;
        if (Get("strides")?.Ints is { } strides && (strides.Count != 2 || strides.Any(s => s <= 0))) return false;
        if (Get("pads")?.Ints is { } pads && (pads.Count != 4 || pads.Any(p => p < 0) || pads[0] >= kernel[0] || pads[2] >= kernel[0]
            || pads[1] >= kernel[1] || pads[3] >= kernel[1])) return false;
        if (Get("dilations")?.Ints is { } dilations && dilations.Any(d => d != 1)) return false;
        // Each kind's own attribute, and not the other's: a max pool's storage order, an average pool's count_include_pad.
        bool ownAttribute = max ? (Get("storage_order")?.I ?? 0) == 0 && Get("count_include_pad") is null
            : (Get("count_include_pad")?.I ?? 0) is 0 or 1 && Get("storage_order") is null;
        return Get("auto_pad")?.S.ToStringUtf8() is null or "" or "NOTSET" && (Get("ceil_mode")?.I ?? 0) == 0 && ownAttribute;
    }

    /// <summary>
    /// The output channels of a DyveConv of one group that stays exact at every effort, else null. Any K: blocked maps
    /// run on position tiles, faster than the planar kernel's padded taps at K 4608 too (ResNet18's last stage, VGG-16's
    /// conv4 and conv5), zero maps included (docs/kernels.md, 2026-11-27).
    /// </summary>
    private static int? IsExactConv(NodeProto node, GraphIndex graph)
    {
        if (!IsConv(node) || node.Input.Count < 2 || node.Output.Count != 1) return null;
        long Int(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;
        float Float(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? 0;
        if (Int("group", 1) != 1 || Float(DyveSchema.SdssDelta) != 0 || Float(DyveSchema.SpetPrefix) != 0 || Float(DyveSchema.SfmaDelta) != 0) return null;
        TensorProto? weights = graph.Constant(node.Input[1], out _);
        if (weights is not { Dims.Count: 4 } || weights.Dims[0] is <= 0 or > int.MaxValue) return null;
        return (int)weights.Dims[0];
    }

    /// <summary>
    /// A 1x1 convolution that pads (SqueezeNet's conv10). Its kernel computes only the interior and fills the border
    /// with the bias where its output is planar and its weights finite (0 x inf is NaN in the dense product's border),
    /// from planar maps or, with position tiles, from blocked ones; otherwise blocked maps would be copied padded and the
    /// border's zeros multiplied.
    /// </summary>
    private static bool FiniteWeights(NodeProto node, GraphIndex graph) =>
        TensorData.Floats(graph.Constant(node.Input[1], out _)!, node.Name).AsSpan().IndexOfAnyExceptInRange(float.MinValue, float.MaxValue) < 0;

    private static bool IsPaddedPointwise(NodeProto node, GraphIndex graph)
    {
        TensorProto weights = graph.Constant(node.Input[1], out _)!;
        bool pads = node.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.Any(p => p != 0) == true
            || node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() is "SAME_UPPER" or "SAME_LOWER";
        return pads && weights.Dims[2] == 1 && weights.Dims[3] == 1;
    }

    /// <summary>
    /// A residual Add or a Relu: elementwise, so blocked maps give blocked maps of the same values, zeros in the padded
    /// lanes staying zero (0 + 0, relu(0)). An Add joins tensors of equal channel counts only (a sum broadcast over
    /// channels would pair the wrong lanes).
    /// </summary>
    private static bool IsElementwise(NodeProto node) => node.Output.Count == 1
        && ((OpTypes.Is(node, OpTypes.Add) && node.Input.Count == 2) || (OpTypes.Is(node, OpTypes.Relu) && node.Input.Count == 1));

    /// <summary>A Concat of 4-D tensors on their channel axis.</summary>
    private static bool IsChannelConcat(NodeProto node) =>
        OpTypes.Is(node, OpTypes.Concat) && node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I is 1 or -3;
}
