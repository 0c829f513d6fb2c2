using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>
/// A DyveConv tensor's N, C, H and W, whichever layout holds them: N x C x H x W (NCHW), or
/// N x ceil(C / 16) x H x W x 16 (NCHW16c). Unknown dimensions are -1.
/// </summary>
internal readonly record struct MapShape(long Batch, long Channels, long Height, long Width)
{
    public const int Block = DyveSchema.Layouts.Block;

    /// <summary>
    /// Reads <paramref name="dimensions"/> as <paramref name="layout"/> for a node of <paramref name="channels"/>
    /// channels there; throws <see cref="ArgumentException"/> naming <paramref name="input"/> where they do not fit.
    /// </summary>
    public static MapShape Read(ReadOnlySpan<long> dimensions, MapLayout layout, int channels, string input)
    {
        if (layout == MapLayout.Planar)
        {
            if (dimensions.Length != 4)
                throw new ArgumentException($"input {input} has rank {dimensions.Length}; DyveConv takes N x C x H x W");
            return new MapShape(dimensions[0], dimensions[1], dimensions[2], dimensions[3]);
        }
        if (dimensions.Length != 5 || (dimensions[4] != Block && dimensions[4] != -1))
            throw new ArgumentException($"input {input} has shape [{string.Join(", ", dimensions.ToArray())}]; "
                + $"with {DyveSchema.InputLayout} {DyveSchema.Layouts.Blocked} the node takes N x C/{Block} x H x W x {Block}");
        long blocks = (channels + Block - 1) / Block;
        if (dimensions[1] > 0 && dimensions[1] != blocks)
            throw new ArgumentException($"input {input} has {dimensions[1]} blocks of {Block} channels, the node takes {channels} channels ({blocks} blocks)");
        return new MapShape(dimensions[0], dimensions[1] > 0 ? channels : -1, dimensions[2], dimensions[3]);
    }

    /// <summary>The dimensions of an N x C x H x W tensor held as <paramref name="layout"/>.</summary>
    public static long[] Dimensions(MapLayout layout, long batch, long channels, long height, long width) => layout == MapLayout.Planar
        ? [batch, channels, height, width]
        : [batch, channels > 0 ? (channels + Block - 1) / Block : -1, height, width, Block];
}
