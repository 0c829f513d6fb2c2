using Onnx;

namespace OnnxDyVE.Graph;

/// <summary>
/// A local response normalization within each channel (Caffe's WITHIN_CHANNEL LRN, which ONNX has no operator for) in
/// stock ONNX operators: y = x * (bias + alpha * AveragePool(x^2))^-beta, the pool size x size, stride 1, pads size / 2,
/// padding counted (so every window divides by size x size, as Caffe's does). Written by the Caffe converter and by the
/// restorer of a DyveLrn; the rewriter fuses this form back into one DyveLrn.
/// <para>
/// The power is where the time goes: ONNX Runtime's Pow is a scalar std::pow per element (69 us of cifar10_full's 0.58 ms
/// at 1 thread, its norm1 alone), its Log and Exp are vectorized (the model 1.18x-1.21x faster written so), and its Sqrt
/// is one instruction: where beta is 0.75, Caffe's usual, y = x / (r * sqrt r) with r = sqrt s.
/// </para>
/// </summary>
public static class WithinChannelLrnSpelling
{
    /// <summary>The beta whose power is taken by two square roots: s^0.75 = r * sqrt r, r = sqrt s.</summary>
    public const float SquareRootBeta = 0.75f;

    /// <summary>
    /// The nodes, in order, that normalize <paramref name="x"/> into <paramref name="output"/>; the last is named
    /// <paramref name="name"/>. <paramref name="fresh"/> gives a new tensor (and node) name for a part ("squared", "power"),
    /// <paramref name="scalar"/> adds a float scalar initializer for a part and gives its name.
    /// </summary>
    public static IReadOnlyList<NodeProto> Nodes(string x, string output, string name, long size, float alpha, float beta, float bias,
        Func<string, string> fresh, Func<string, float, string> scalar)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(scalar);
        long radius = size / 2;
        string squared = fresh("squared"), pooled = fresh("pooled_squares"), scaled = fresh("scaled"), shifted = fresh("shifted");
        var nodes = new List<NodeProto>
        {
            OnnxProto.Node("Mul", "", squared, [x, x], [squared], []),
            OnnxProto.Node("AveragePool", "", pooled, [squared], [pooled],
                [OnnxProto.Ints("kernel_shape", size, size), OnnxProto.Ints("strides", 1, 1), OnnxProto.Ints("pads", radius, radius, radius, radius), OnnxProto.Int("count_include_pad", 1)]),
            OnnxProto.Node("Mul", "", scaled, [pooled, scalar("alpha", alpha)], [scaled], []),
            OnnxProto.Node("Add", "", shifted, [scaled, scalar("bias", bias)], [shifted], []),
        };
        if (beta == SquareRootBeta)
        {
            string root = fresh("root"), fourthRoot = fresh("fourth_root"), power = fresh("power");
            nodes.Add(OnnxProto.Node("Sqrt", "", root, [shifted], [root], []));
            nodes.Add(OnnxProto.Node("Sqrt", "", fourthRoot, [root], [fourthRoot], []));
            nodes.Add(OnnxProto.Node("Mul", "", power, [root, fourthRoot], [power], []));
            nodes.Add(OnnxProto.Node("Div", "", name, [x, power], [output], []));
        }
        else
        {
            string logarithm = fresh("log"), exponent = fresh("exponent"), power = fresh("power");
            nodes.Add(OnnxProto.Node("Log", "", logarithm, [shifted], [logarithm], []));
            nodes.Add(OnnxProto.Node("Mul", "", exponent, [logarithm, scalar("minus_beta", -beta)], [exponent], []));
            nodes.Add(OnnxProto.Node("Exp", "", power, [exponent], [power], []));
            nodes.Add(OnnxProto.Node("Mul", "", name, [x, power], [output], []));
        }
        return nodes;
    }
}
