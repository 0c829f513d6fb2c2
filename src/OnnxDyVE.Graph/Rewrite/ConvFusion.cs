using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>Conv (+ BatchNormalization folded) (+ Relu / LeakyRelu / Clip fused) to one DyveConv.</summary>
internal static class ConvFusion
{
    /// <summary>
    /// The DyveConv replacing <paramref name="conv"/> and what follows it, or null with the reason when the Conv
    /// stays. Throws <see cref="RewriteException"/> when the Conv's weights or bias do not fit each other.
    /// </summary>
    public static Fusion? TryFuse(NodeProto conv, GraphIndex graph, NameAllocator names, out string whyNot)
    {
        string where = GraphIndex.Describe(conv);
        if (conv.Input.Count is < 2 or > 3 || conv.Output.Count != 1 || conv.Output[0].Length == 0)
            throw new RewriteException($"{where} has {conv.Input.Count} inputs and {conv.Output.Count} outputs; Conv takes 2 or 3 and gives 1");
        TensorProto? w = graph.FloatConstant(conv.Input[1], "W", out whyNot);
        if (w is null) return null;
        if (w.Dims.Count != 4)
        {
            whyNot = $"W has rank {w.Dims.Count}; DyveConv takes 2-D convolutions (W of rank 4)";
            return null;
        }
        TensorData.CheckSize(w, where);
        if (w.Dims.Any(d => d <= 0 || d > int.MaxValue))
            throw new RewriteException($"{where}: W '{w.Name}' has shape [{string.Join(", ", w.Dims)}]");
        int outputChannels = (int)w.Dims[0];
        CheckAttributes(conv, w, outputChannels, where);
        long group = conv.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
        if (group > 1 && outputChannels / group == 1)
        {
            // DyVE's kernels run a group as a matrix product with output channels as tile rows: one channel per
            // group would leave five of a tile's six rows empty, and ORT's own depthwise kernel is faster.
            whyNot = "depthwise convolution (one output channel per group): DyVE has no depthwise kernel yet";
            return null;
        }

        TensorProto? b = null;
        if (conv.Input.Count == 3 && conv.Input[2].Length > 0)
        {
            b = graph.FloatConstant(conv.Input[2], "B", out whyNot);
            if (b is null) return null;
            if (b.Dims.Count != 1 || b.Dims[0] != outputChannels)
                throw new RewriteException($"{where}: B '{b.Name}' has shape [{string.Join(", ", b.Dims)}]; W has {outputChannels} output channels, so B must be [{outputChannels}]");
            TensorData.CheckSize(b, where);
        }

        var chain = new FusionChain(conv, graph);
        var newInitializers = new List<TensorProto>();
        string weightsName = w.Name;
        string? biasName = b?.Name;
        if (chain.Follower(BatchNormFolding.IsBatchNorm) is NodeProto bn)
        {
            float[]? bias = b is null ? null : TensorData.Floats(b, where);
            var folded = BatchNormFolding.TryFold(bn, graph, TensorData.Floats(w, where), bias, outputChannels, out string whyNotFolded);
            if (folded is var (foldedWeights, foldedBias))
            {
                weightsName = names.Fresh($"{w.Name}_bn_folded");
                biasName = names.Fresh($"{(bn.Name.Length > 0 ? bn.Name : w.Name)}_bias_folded");
                newInitializers.Add(OnnxProto.FloatTensor(weightsName, [.. w.Dims], foldedWeights));
                newInitializers.Add(OnnxProto.FloatTensor(biasName, [outputChannels], foldedBias));
                chain.Absorb(bn, FusionKind.BatchNormalizationFolded);
            }
            else
            {
                chain.Decline(bn, whyNotFolded);
            }
        }
        FusedActivation activation = chain.FuseActivation();

        string[] inputs = biasName is null ? [conv.Input[0], weightsName] : [conv.Input[0], weightsName, biasName];
        // Conv's own attributes (group, pads, strides, dilations, auto_pad, kernel_shape) are DyveConv's too.
        IEnumerable<AttributeProto> attributes = conv.Attribute.Select(a => a.Clone()).Concat(activation.Attributes);
        NodeProto dyve = OnnxProto.Node(DyveSchema.ConvOp, DyveSchema.Domain, conv.Name, inputs, [chain.Output], attributes);
        return chain.Finish(dyve, newInitializers);
    }

    /// <summary>The attributes that must agree with W; everything else the operator checks when the session is created.</summary>
    private static void CheckAttributes(NodeProto conv, TensorProto w, int outputChannels, string where)
    {
        AttributeProto? kernelShape = conv.Attribute.FirstOrDefault(a => a.Name == "kernel_shape");
        if (kernelShape is not null && !kernelShape.Ints.SequenceEqual(w.Dims.Skip(2)))
            throw new RewriteException($"{where}: kernel_shape [{string.Join(", ", kernelShape.Ints)}] does not match W '{w.Name}' of shape [{string.Join(", ", w.Dims)}]");
        long group = conv.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
        if (group <= 0 || outputChannels % group != 0)
            throw new RewriteException($"{where}: group {group} does not divide W's {outputChannels} output channels");
    }
}
