namespace OnnxDyVE.Kernels.Gemm;

/// <summary>Position tiles of six rows (<see cref="PanelLayout.Rows"/>), the usual height.</summary>
internal readonly struct SixRows;

/// <summary>A last position tile of one to three rows (half a six-row tile's work), or every tile of lists that leave out more at three (<see cref="LiveTaps.Rows"/>).</summary>
internal readonly struct ThreeRows
{
    public const int Count = 3;
}

/// <summary>Position tiles of two rows, for lists that leave out more at two (<see cref="LiveTaps.Rows"/>).</summary>
internal readonly struct TwoRows
{
    public const int Count = 2;
}

/// <summary>The tile heights as types the JIT specialises on.</summary>
internal static class TileRows
{
    /// <summary>Positions per tile of <typeparamref name="TRows"/> (<see cref="SixRows"/>, <see cref="ThreeRows"/> or <see cref="TwoRows"/>): a JIT-time constant.</summary>
    public static int Height<TRows>() where TRows : struct =>
        typeof(TRows) == typeof(SixRows) ? PanelLayout.Rows : typeof(TRows) == typeof(TwoRows) ? TwoRows.Count : ThreeRows.Count;
}

/// <summary>Wide tiles that all take the same runs of K (<see cref="KSegments"/>).</summary>
internal readonly struct SharedRuns;

/// <summary>Wide tiles that each take their own k (<see cref="LiveTaps"/>).</summary>
internal readonly struct OwnTaps;
