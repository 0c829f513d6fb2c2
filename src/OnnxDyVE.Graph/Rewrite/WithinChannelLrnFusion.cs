using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Fuses a local response normalization within each channel, spelled out in stock operators, into one DyveLrn
/// (<see cref="DyveSchema.LrnOp"/>): X → Mul(X, X) → AveragePool (size x size, stride 1, pads size / 2, padding counted) →
/// Mul(alpha) → Add(bias) → Pow(-beta), or Log → Mul(-beta) → Exp, → Mul(X, ·); or for beta 0.75 → Sqrt → r, Mul(r, Sqrt(r))
/// → Div(X, ·); each operand order, scalar constants. That is Caffe's WITHIN_CHANNEL LRN as the Caffe converter writes it
/// (<see cref="WithinChannelLrnSpelling"/>; cifar10_full's norm1 and norm2). In ONNX Runtime
/// those eight nodes each pass over the maps, and its Pow is a scalar std::pow per element: cifar10_full's two LRNs took
/// a quarter of its time at 1 thread. Only where every tensor between X and the output is read by the next node alone.
/// </summary>
internal static class WithinChannelLrnFusion
{
    /// <summary>
    /// The DyveLrn that replaces the LRN whose last Mul is <paramref name="last"/>, named after it, else null. The fusion's
    /// anchor is the LRN's first node (X squared) and the rest are absorbed, so that <see cref="GraphEdit"/> puts the DyveLrn
    /// where the last Mul stood and drops the LRN's scalars, value_info and Constant nodes as it does a Conv's.
    /// </summary>
    public static Fusion? TryFuse(NodeProto last, GraphIndex graph)
    {
        bool divides = IsBinary(last, OpTypes.Div);
        if (!divides && !IsBinary(last, OpTypes.Mul)) return null;
        for (int side = 0; side < (divides ? 1 : 2); side++)
        {
            string x = last.Input[side], power = last.Input[1 - side];
            if (Feeding(power, last, graph) is not { } raise) continue;
            if ((divides ? Divisor(raise, graph) : Factor(raise, graph)) is not ({ } shifted, float exponent, { } nodes)) continue;
            if (Feeding(shifted, nodes[^1], graph) is not { } add) continue;
            if (!IsBinary(add, OpTypes.Add) || ConstantOperand(add, graph) is not ({ } scaled, float bias)) continue;
            if (Feeding(scaled, add, graph) is not { } multiply || ScaledOperand(multiply, graph) is not ({ } pooled, float alpha)) continue;
            if (Feeding(pooled, multiply, graph) is not { } pool || PoolSize(pool) is not int size || pool.Input.Count != 1) continue;
            if (Feeding(pool.Input[0], pool, graph) is not { } square || !IsBinary(square, OpTypes.Mul) || square.Input[0] != x || square.Input[1] != x) continue;
            nodes.AddRange([add, multiply, pool]);
            nodes.Reverse();
            NodeProto lrn = OnnxProto.Node(DyveSchema.LrnOp, DyveSchema.Domain, last.Name, [x], [last.Output[0]],
                [OnnxProto.Int(DyveSchema.LrnSize, size), OnnxProto.Float(DyveSchema.LrnAlpha, alpha),
                 OnnxProto.Float(DyveSchema.LrnBeta, -exponent), OnnxProto.Float(DyveSchema.LrnBias, bias)]);
            IEnumerable<NodeProto> fused = nodes.Prepend(square);
            return new Fusion(square, lrn, [.. nodes, last], [], new Dictionary<NodeProto, string>(),
                new RewrittenNode(last.Name, last.OpType, lrn.OpType, [.. fused.Select(n => new FusedNode(n.Name, n.OpType, FusionKind.NormalizationFused))]));
        }
        return null;
    }

    /// <summary>
    /// The factor s^e of x * s^e, written Pow(s, e) or Exp(Mul(Log(s), e)), from the node <paramref name="raise"/> that
    /// writes it: s, e and the power's nodes from the last back.
    /// </summary>
    private static (string Shifted, float Exponent, List<NodeProto> Nodes)? Factor(NodeProto raise, GraphIndex graph)
    {
        if (IsBinary(raise, OpTypes.Pow) && Scalar(raise.Input[1], graph) is float exponent)
            return (raise.Input[0], exponent, [raise]);
        if (IsUnary(raise, OpTypes.Exp) && Feeding(raise.Input[0], raise, graph) is { } times
            && ScaledOperand(times, graph) is ({ } logged, float scale) && Feeding(logged, times, graph) is { } log && IsUnary(log, OpTypes.Log))
            return (log.Input[0], scale, [raise, times, log]);
        return null;
    }

    /// <summary>
    /// The divisor s^0.75 of x / s^0.75, written Mul(r, Sqrt(r)) with r = Sqrt(s) (<see cref="WithinChannelLrnSpelling"/>'s form
    /// for Caffe's usual beta), from the node <paramref name="product"/> that writes it: s, the exponent of the factor it
    /// makes (-0.75) and the divisor's nodes from the last back.
    /// </summary>
    private static (string Shifted, float Exponent, List<NodeProto> Nodes)? Divisor(NodeProto product, GraphIndex graph)
    {
        if (!IsBinary(product, OpTypes.Mul)) return null;
        for (int side = 0; side < 2; side++)
        {
            string root = product.Input[side];
            if (Feeding(product.Input[1 - side], product, graph) is not { } fourthRoot || !IsUnary(fourthRoot, OpTypes.Sqrt) || fourthRoot.Input[0] != root) continue;
            if (graph.Producer(root) is not { } squareRoot || !IsUnary(squareRoot, OpTypes.Sqrt) || !graph.IsReadByExactly(root, product, fourthRoot)) continue;
            return (squareRoot.Input[0], -WithinChannelLrnSpelling.SquareRootBeta, [product, fourthRoot, squareRoot]);
        }
        return null;
    }

    /// <summary>The node that writes <paramref name="tensor"/>, where <paramref name="reader"/> is its one reader and its one output is that tensor.</summary>
    private static NodeProto? Feeding(string tensor, NodeProto reader, GraphIndex graph) =>
        graph.SoleConsumer(tensor) == reader && graph.Producer(tensor) is { } producer && producer.Output.Count == 1 ? producer : null;

    private static bool IsBinary(NodeProto node, string opType) => OpTypes.Is(node, opType) && node.Input.Count == 2 && node.Output.Count == 1;

    private static bool IsUnary(NodeProto node, string opType) => OpTypes.Is(node, opType) && node.Input.Count == 1 && node.Output.Count == 1;

    /// <summary>A Mul of a tensor by a scalar constant, either way round: the tensor and the scalar.</summary>
    private static (string Tensor, float Scale)? ScaledOperand(NodeProto node, GraphIndex graph) =>
        IsBinary(node, OpTypes.Mul) ? ConstantOperand(node, graph) : null;

    /// <summary>A binary node's operands as the tensor and a scalar constant, either way round.</summary>
    private static (string Tensor, float Value)? ConstantOperand(NodeProto node, GraphIndex graph)
    {
        if (Scalar(node.Input[1], graph) is float right && Scalar(node.Input[0], graph) is null) return (node.Input[0], right);
        if (Scalar(node.Input[0], graph) is float left && Scalar(node.Input[1], graph) is null) return (node.Input[1], left);
        return null;
    }

    /// <summary>A float constant of one element (any rank: it broadcasts alike), else null.</summary>
    private static float? Scalar(string name, GraphIndex graph)
    {
        if (graph.FloatConstant(name, "", out _) is not { } tensor || tensor.Dims.Aggregate(1L, (a, b) => a * b) != 1) return null;
        return TensorData.Floats(tensor, name)[0];
    }

    /// <summary>The window of an AveragePool that means over a size x size window centred on each position, padding counted, else null.</summary>
    private static int? PoolSize(NodeProto pool)
    {
        if (!OpTypes.Is(pool, OpTypes.AveragePool) || pool.Output.Count != 1) return null;
        AttributeProto? Get(string name) => pool.Attribute.FirstOrDefault(a => a.Name == name);
        if (Get("kernel_shape")?.Ints is not { Count: 2 } kernel || kernel[0] != kernel[1] || kernel[0] % 2 == 0 || kernel[0] is < 1 or > DyveSchema.LrnMaximumSize) return null;
        long radius = kernel[0] / 2;
        if (Get("strides")?.Ints is { } strides && strides.Any(s => s != 1)) return null;
        if (Get("dilations")?.Ints is { } dilations && dilations.Any(d => d != 1)) return null;
        long[] pads = Get("pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads.Any(p => p != radius)) return null;
        // Without padding counted, a window at the border would divide by fewer positions than size x size.
        if (radius > 0 && (Get("count_include_pad")?.I ?? 0) != 1) return null;
        if (Get("auto_pad")?.S.ToStringUtf8() is not (null or "" or "NOTSET") || (Get("ceil_mode")?.I ?? 0) != 0) return null;
        return (int)kernel[0];
    }
}
