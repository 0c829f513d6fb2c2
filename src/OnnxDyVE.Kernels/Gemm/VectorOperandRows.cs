using System.Runtime.CompilerServices;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Where a <see cref="GemmTile{TLane,TVec}"/> finds row k of its vector operand (two vectors of columns).
/// Implemented by structs, so the tile is compiled once per kind and the lookup inlines to an add or a load.
/// </summary>
internal unsafe interface IVectorOperandRows
{
    /// <summary>The first column of row <paramref name="k"/>, counted from the tile's first k.</summary>
    float* Row(nint k);
}

/// <summary>
/// Rows a fixed number of floats apart: a packed panel (one tile width apart), or a matrix read in place
/// (a 1x1 convolution's input channels, one plane apart).
/// </summary>
internal readonly unsafe struct StridedRows(float* first, nint step) : IVectorOperandRows
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Row(nint k) => first + k * step;
}

/// <summary>
/// Rows read in place from a larger matrix: row k starts <c>offsets[k]</c> floats past the origin. For a
/// convolution, each k is one (channel, ky, kx) tap and its row is a shifted view of the input, so nothing is
/// copied; and a run of k can be left out by leaving its offsets out.
/// </summary>
internal readonly unsafe struct OffsetRows(float* origin, nint* offsets) : IVectorOperandRows
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Row(nint k) => origin + offsets[k];
}

/// <summary>
/// A packed panel of tile width (two vectors of the lane per k): the step is a constant of the instantiation, so
/// a tile whose broadcast side needs many registers (<see cref="PositionBroadcast"/>) does not spend one on it.
/// </summary>
internal readonly unsafe struct PanelRows<TLane, TVec>(float* first) : IVectorOperandRows
    where TLane : struct, Simd.ISimdLane<TVec>
    where TVec : struct
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Row(nint k) => first + k * (2 * TLane.Count);
}
