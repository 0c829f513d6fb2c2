using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Kernels.Lrn;

/// <summary>
/// Local response normalization within each channel (Caffe's WITHIN_CHANNEL LRN, cifar10_full's norm1 and norm2):
/// y = x * (<paramref name="Bias"/> + <paramref name="Alpha"/> * mean of x^2 over the <paramref name="Size"/> x
/// <paramref name="Size"/> window centred on the position)^-<paramref name="Beta"/>, the window's positions outside the
/// map counting as zeros (the mean always divides by Size^2). ONNX has no operator for it; the Caffe converter writes
/// it as eight nodes, which the rewriter fuses into one DyveLrn.
/// </summary>
/// <param name="Layout">The maps' layout, read and written alike: planar, or blocked (16 channels a position).</param>
public sealed record LrnSpec(int Size, float Alpha, float Beta, float Bias, MapLayout Layout = MapLayout.Planar)
{
    /// <summary>The largest window (<see cref="Schema.DyveSchema.LrnMaximumSize"/>).</summary>
    public const int MaximumSize = Schema.DyveSchema.LrnMaximumSize;

    /// <summary>Positions on each side of the centre a window reaches.</summary>
    public int Radius => Size / 2;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first attribute out of range.</summary>
    public void Validate()
    {
        if (Size <= 0 || Size % 2 == 0 || Size > MaximumSize)
            throw new ArgumentException($"size must be odd, from 1 to {MaximumSize}, got {Size}");
        if (!float.IsFinite(Alpha)) throw new ArgumentException($"alpha must be finite, got {Alpha}");
        if (!float.IsFinite(Beta)) throw new ArgumentException($"beta must be finite, got {Beta}");
        if (!float.IsFinite(Bias)) throw new ArgumentException($"bias must be finite, got {Bias}");
        if (!Enum.IsDefined(Layout)) throw new ArgumentException($"layout {(int)Layout} is not a map layout");
    }
}
