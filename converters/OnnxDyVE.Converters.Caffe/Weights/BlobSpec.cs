namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>What a learned blob of a layer holds; random weights fill each role differently.</summary>
public enum BlobRole
{
    /// <summary>Convolution or InnerProduct weights: random fill is scaled by the fan-in.</summary>
    Weights,
    Bias,
    Mean,
    Variance,
    /// <summary>BatchNorm's third blob: mean and variance are divided by it (0 means both are 0).</summary>
    MovingAverageFactor,
    Scale,
    Shift,
}

/// <summary>A blob a layer needs: its role, the shape the layer's parameters and input imply, and for weights the fan-in.</summary>
public sealed record BlobSpec(BlobRole Role, long[] Shape, long FanIn = 0)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    public string Describe(int index) => $"blob {index} ({Role.ToString().ToLowerInvariant()}, [{string.Join(", ", Shape)}])";
}
