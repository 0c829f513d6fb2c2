using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>Which constant shapes Gemm's C may have to broadcast to the M x N output.</summary>
internal static class GemmBiasShape
{
    /// <summary>
    /// True for [], [1], [N], [r, 1] and [r, N], where r is 1, or anything when <paramref name="anyRows"/> (a Gemm's
    /// own C, which ONNX requires to fit M); an Add after MatMul with r > 1 could change the output's shape.
    /// </summary>
    public static bool Fits(TensorProto bias, long n, bool anyRows) => bias.Dims.Count switch
    {
        0 => true,
        1 => bias.Dims[0] == 1 || bias.Dims[0] == n,
        2 => (anyRows || bias.Dims[0] == 1) && (bias.Dims[1] == 1 || bias.Dims[1] == n),
        _ => false,
    };

    public static string Describe(TensorProto bias) => $"[{string.Join(", ", bias.Dims)}]";
}
