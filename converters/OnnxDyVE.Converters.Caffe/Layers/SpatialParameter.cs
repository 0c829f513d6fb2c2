using OnnxDyVE.Converters.Caffe.Emit;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// A 2-D size (kernel, pad, stride, dilation) as Caffe resolves it from its three spellings: the _h/_w pair,
/// or a repeated value given once (both axes) or twice (height, width), or the default.
/// </summary>
internal readonly record struct SpatialParameter(int Height, int Width)
{
    public static SpatialParameter Resolve(LayerContext context, string name, IReadOnlyList<uint> values, uint? height, uint? width, int? fallback)
    {
        if (height is not null || width is not null)
        {
            if (height is null || width is null) throw context.Error($"{name}_h and {name}_w must be given together");
            if (values.Count > 0) throw context.Error($"give {name} or {name}_h/{name}_w, not both");
            return Checked(context, name, height.Value, width.Value);
        }
        return values.Count switch
        {
            0 when fallback is int value => new SpatialParameter(value, value),
            0 => throw context.Error($"{name} is required"),
            1 => Checked(context, name, values[0], values[0]),
            2 => Checked(context, name, values[0], values[1]),
            _ => throw context.Error($"{name} has {values.Count} values; only 2-D (1 or 2 values) is supported"),
        };
    }

    private static SpatialParameter Checked(LayerContext context, string name, uint height, uint width)
    {
        if (height > TensorLimits.MaxDimension || width > TensorLimits.MaxDimension) throw context.Error($"{name} {height} x {width} is out of range");
        return new SpatialParameter((int)height, (int)width);
    }
}
