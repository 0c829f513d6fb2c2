using System.Globalization;

namespace OnnxDyVE.Graph;

/// <summary>The shapes ONNX Gemm's C may take; each broadcasts to M x N differently.</summary>
public enum GemmBiasShape
{
    /// <summary>No C input.</summary>
    None,
    /// <summary>Rank 0: one value for every output.</summary>
    Scalar,
    /// <summary>[N]: one value per column, the usual fully connected bias.</summary>
    Row,
    /// <summary>[1, N]: as <see cref="Row"/>, spelled as a matrix.</summary>
    RowMatrix,
    /// <summary>[M, 1]: one value per row.</summary>
    Column,
    /// <summary>[M, N]: one value per output.</summary>
    Full,
}

/// <summary>
/// One ONNX Gemm layer, Y = alpha * A' * B' + beta * C with A' (M x K) and B' (K x N), followed by an activation.
/// A is the model's input; B and C are initializers, as in a fully connected layer.
/// </summary>
/// <param name="M">Rows of A' (the batch of a fully connected layer).</param>
/// <param name="K">The reduction length.</param>
/// <param name="N">Columns of B' (the layer's outputs).</param>
public sealed record GemmLayer(int M, int K, int N)
{
    public bool TransA { get; init; }
    public bool TransB { get; init; }
    public float Alpha { get; init; } = 1f;
    public float Beta { get; init; } = 1f;
    public GemmBiasShape Bias { get; init; }
    public LayerActivation Activation { get; init; } = LayerActivation.None;

    /// <summary>A as stored: K x M when transposed.</summary>
    public long[] AShape() => TransA ? [K, M] : [M, K];

    /// <summary>B as stored: N x K when transposed.</summary>
    public long[] BShape() => TransB ? [N, K] : [K, N];

    /// <summary>C's shape, or null when the layer has no C.</summary>
    public long[]? CShape() => Bias switch
    {
        GemmBiasShape.Scalar => [],
        GemmBiasShape.Row => [N],
        GemmBiasShape.RowMatrix => [1, N],
        GemmBiasShape.Column => [M, 1],
        GemmBiasShape.Full => [M, N],
        _ => null,
    };

    /// <summary>A one-line description for test names and failure messages.</summary>
    public override string ToString()
    {
        long[]? c = CShape();
        string bias = c is null ? "no C" : $"C [{string.Join(",", c)}]";
        return string.Create(CultureInfo.InvariantCulture,
            $"M {M}, K {K}, N {N}, transA {(TransA ? 1 : 0)}, transB {(TransB ? 1 : 0)}, alpha {Alpha}, beta {Beta}, {bias}, {Activation}");
    }
}
