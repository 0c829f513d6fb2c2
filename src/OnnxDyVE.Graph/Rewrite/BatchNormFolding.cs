using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Folds an inference-mode BatchNormalization after a convolution into the convolution's weights and bias:
/// y = scale * (conv(x) + b - mean) / sqrt(var + epsilon) + B, so with s = scale / sqrt(var + epsilon),
/// W' = s[m] * W[m] and b' = s * (b - mean) + B. Computed in double so that the folded weights are the
/// float nearest to the exact product rather than carrying a second rounding.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>ONNX's epsilon when the attribute is absent.</summary>
    private const float DefaultEpsilon = 1e-5f;

    private static readonly string[] ParameterNames = ["scale", "B", "mean", "var"];

    public static bool IsBatchNorm(NodeProto node) => OpTypes.Is(node, OpTypes.BatchNormalization);

    /// <summary>
    /// The folded weights and bias, or null with the reason when <paramref name="bn"/> cannot be folded (training
    /// mode, non-constant statistics). Throws <see cref="RewriteException"/> when its parameters do not fit the
    /// <paramref name="outputChannels"/> the convolution has.
    /// </summary>
    public static (float[] Weights, float[] Bias)? TryFold(NodeProto bn, GraphIndex graph, float[] weights, float[]? bias, int outputChannels, out string whyNot)
    {
        whyNot = "";
        string where = GraphIndex.Describe(bn);
        if (bn.Input.Count != 5) throw new RewriteException($"{where} has {bn.Input.Count} inputs; BatchNormalization takes 5");
        if (bn.Output.Skip(1).Any(o => o.Length > 0))
        {
            whyNot = "its running statistics outputs are in use (training mode)";
            return null;
        }
        if (IntAttribute(bn, "training_mode") == 1)
        {
            whyNot = "training_mode is 1";
            return null;
        }
        // Opsets before 9 could normalize per element (spatial = 0), which is not a per-channel affine map.
        if (IntAttribute(bn, "spatial") == 0)
        {
            whyNot = "spatial is 0 (per-element statistics)";
            return null;
        }
        var parameters = new float[4][];
        for (int i = 0; i < 4; i++)
        {
            TensorProto? tensor = graph.FloatConstant(bn.Input[i + 1], ParameterNames[i], out whyNot);
            if (tensor is null) return null;
            parameters[i] = TensorData.Floats(tensor, where);
            if (parameters[i].Length != outputChannels)
                throw new RewriteException($"{where}: {ParameterNames[i]} '{tensor.Name}' has {parameters[i].Length} values; the convolution before it has {outputChannels} output channels");
        }
        double epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? DefaultEpsilon;
        return Fold(weights, bias, parameters[0], parameters[1], parameters[2], parameters[3], epsilon);
    }

    private static (float[] Weights, float[] Bias) Fold(float[] weights, float[]? bias, float[] scale, float[] shift, float[] mean, float[] variance, double epsilon)
    {
        int channels = scale.Length;
        int perChannel = weights.Length / channels;
        var folded = new float[weights.Length];
        var foldedBias = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            double s = scale[m] / Math.Sqrt(variance[m] + epsilon);
            for (int i = m * perChannel; i < (m + 1) * perChannel; i++) folded[i] = (float)(weights[i] * s);
            foldedBias[m] = (float)(((bias?[m] ?? 0.0) - mean[m]) * s + shift[m]);
        }
        return (folded, foldedBias);
    }

    private static long? IntAttribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I;
}
