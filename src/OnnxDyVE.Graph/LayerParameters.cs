namespace OnnxDyVE.Graph;

/// <summary>
/// The constant inputs of a layer model, drawn from a seeded <see cref="Random"/> so that a model, a benchmark
/// and a test that recompute them from the same seed see the same numbers.
/// </summary>
/// <param name="Weights">Conv W (M x C/group x kH x kW) or Gemm B (as stored, transposed or not), row-major.</param>
/// <param name="Bias">Conv B (M) or Gemm C (as stored); null when the layer has none.</param>
public sealed record LayerParameters(float[] Weights, float[]? Bias)
{
    /// <summary>Conv weights, then the bias, uniform in [-1, 1).</summary>
    public static LayerParameters ForConv(ConvLayer layer, int seed)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var random = new Random(seed);
        float[] weights = Uniform(random, Count(layer.WeightShape()));
        float[]? bias = layer.HasBias ? Uniform(random, layer.OutputChannels) : null;
        return new LayerParameters(weights, bias);
    }

    /// <summary>
    /// <see cref="ForConv"/>'s parameters with the first <paramref name="pointwise"/> output channels' weights zero off the
    /// kernel's centre tap: a fire module's two expands fused into one node, its 1x1 half first (pointwise_channels).
    /// </summary>
    public static LayerParameters ForFusedConv(ConvLayer layer, int pointwise, int seed)
    {
        LayerParameters parameters = ForConv(layer, seed);
        int taps = layer.KernelHeight * layer.KernelWidth, centre = layer.KernelHeight / 2 * layer.KernelWidth + layer.KernelWidth / 2;
        for (int i = 0; i < pointwise * (layer.InputChannels / layer.Group) * taps; i++)
            if (i % taps != centre) parameters.Weights[i] = 0;
        return parameters;
    }

    /// <summary>Gemm B, then C, uniform in [-1, 1).</summary>
    public static LayerParameters ForGemm(GemmLayer layer, int seed)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var random = new Random(seed);
        float[] weights = Uniform(random, Count(layer.BShape()));
        long[]? cShape = layer.CShape();
        float[]? bias = cShape is null ? null : Uniform(random, Count(cShape));
        return new LayerParameters(weights, bias);
    }

    /// <summary>Values uniform in [-1, 1): of the order of trained weights and activations, and exact in float.</summary>
    public static float[] Uniform(Random random, int count)
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }

    /// <summary>Elements of a tensor of <paramref name="shape"/> (1 for rank 0).</summary>
    public static int Count(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dim in shape) count = checked(count * dim);
        return checked((int)count);
    }
}
