namespace OnnxDyVE.Kernels.Gemm;

/// <summary>Position tiles of six rows (<see cref="PanelLayout.Rows"/>), the usual height.</summary>
internal readonly struct SixRows;

/// <summary>A last position tile of one to three rows (half a six-row tile's work), or every tile of lists that leave out more at three (<see cref="LiveTaps.Rows"/>).</summary>
internal readonly struct ThreeRows
{
    public const int Count = 3;
}

/// <summary>A pointwise product's last panel of four rows (64 outputs: ten panels of six, then four), computed with the panel before it (<see cref="GemmTile{TLane,TVec}.RunPair{TRows,TSecond}"/>).</summary>
internal readonly struct FourRows
{
    public const int Count = 4;
}

/// <summary>Position tiles of two rows, for lists that leave out more at two (<see cref="LiveTaps.Rows"/>).</summary>
internal readonly struct TwoRows
{
    public const int Count = 2;
}

/// <summary>The tile heights as types the JIT specialises on.</summary>
internal static class TileRows
{
    /// <summary>Rows of a tile of <typeparamref name="TRows"/> (<see cref="SixRows"/>, <see cref="FourRows"/>, <see cref="ThreeRows"/> or <see cref="TwoRows"/>): a JIT-time constant.</summary>
    public static int Height<TRows>() where TRows : struct =>
        typeof(TRows) == typeof(SixRows) ? PanelLayout.Rows : typeof(TRows) == typeof(FourRows) ? FourRows.Count
        : typeof(TRows) == typeof(TwoRows) ? TwoRows.Count : ThreeRows.Count;
}

/// <summary>Wide tiles that all take the same runs of K (<see cref="KSegments"/>).</summary>
internal readonly struct SharedRuns;

/// <summary>
/// Wide tiles that all take the same runs of K over positions one block of 16 floats after another (a 1x1 convolution
/// reading blocked maps in place): a tile's six values of a k lie at fixed distances from its first position's, so one
/// pointer reaches them all where listed origins take six.
/// </summary>
internal readonly struct ConsecutiveRuns;

/// <summary>Wide tiles that each take their own k (<see cref="LiveTaps"/>).</summary>
internal readonly struct OwnTaps;
