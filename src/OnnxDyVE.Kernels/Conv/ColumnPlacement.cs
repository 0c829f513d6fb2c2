namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Where a GEMM's compute columns land in an output map when they run in rows that are not the output's own:
/// column n = y * <see cref="ComputePitch"/> + x is output (y, x) shifted by <see cref="OutputOffset"/> for
/// x &lt; <see cref="RealWidth"/>, and dropped beyond.
/// </summary>
internal readonly record struct ColumnPlacement(int ComputePitch, int RealWidth, int OutputWidth, nint OutputOffset)
{
    /// <summary>
    /// <see cref="ConvAlgorithm.PaddedTaps"/>: rows as wide as the padded input, of which the first Wo columns are
    /// the output row.
    /// </summary>
    public static ColumnPlacement PaddedRows(in ConvGeometry geometry) =>
        new((int)geometry.PaddedWidth, geometry.OutputWidth, geometry.OutputWidth, 0);

    /// <summary>
    /// A padded 1x1 convolution on <see cref="ConvAlgorithm.Pointwise"/>: the input's own rows, which are the output's
    /// interior; the padded border reads only zeros and is filled apart.
    /// </summary>
    public static ColumnPlacement Interior(in ConvGeometry geometry) =>
        new(geometry.InputWidth, geometry.InputWidth, geometry.OutputWidth, (nint)geometry.PadTop * geometry.OutputWidth + geometry.PadLeft);
}
