using System.Runtime.CompilerServices;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Where a <see cref="GemmTile{TLane,TVec}"/> finds the <see cref="PanelLayout.Rows"/> values of k it broadcasts,
/// one per tile row. A cursor at the tile's first k: <see cref="Next"/> moves it on by one k. Implemented by
/// structs, so the tile is compiled once per kind and every lookup inlines to a load.
/// </summary>
internal unsafe interface IBroadcastOperand
{
    /// <summary>Row <paramref name="row"/>'s value at the current k (row is a constant once inlined).</summary>
    float Value(int row);

    void Next();
}

/// <summary>A packed panel: <see cref="PanelLayout.Rows"/> values per k, contiguous.</summary>
internal unsafe struct PackedBroadcast(float* panel) : IBroadcastOperand
{
    private float* _panel = panel;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Value(int row) => _panel[row];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next() => _panel += PanelLayout.Rows;
}

/// <summary>
/// Output positions of a stride-1 convolution as tile rows, read in place from the zero-padded input
/// (<see cref="Conv.PaddedTaps"/>): row r's value at tap k is <c>position r[offsets[k]]</c>. Lets a tile compute
/// any six positions, in any order, for a panel of output channels, with nothing packed.
/// </summary>
internal unsafe struct PositionBroadcast(float* p0, float* p1, float* p2, float* p3, float* p4, float* p5, nint* offsets) : IBroadcastOperand
{
    private nint* _offsets = offsets;

    /// <summary>The tile of the first <paramref name="rows"/> (at most six) of <paramref name="origins"/> in <paramref name="input"/>; rows past them repeat the first position: read, never stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PositionBroadcast Tile(float* input, nint* origins, int rows, nint* offsets) =>
        new(input + origins[0], input + origins[rows > 1 ? 1 : 0], input + origins[rows > 2 ? 2 : 0],
            input + origins[rows > 3 ? 3 : 0], input + origins[rows > 4 ? 4 : 0], input + origins[rows > 5 ? 5 : 0], offsets);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Value(int row) => At(row, *_offsets);

    /// <summary>
    /// Row <paramref name="row"/>'s value at the tap <paramref name="offset"/> from its position, read once per k by the
    /// caller: through <see cref="Value"/> the JIT copied the offset's register before each of the six loads (five moves
    /// per k in the wide tiles' loop, where a two-FMA core has no issue slots to spare). Where k jumps (runs of K, lists of
    /// taps), the wide tiles read each k's offset themselves and use this.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float At(int row, nint offset) => row switch
    {
        0 => p0[offset],
        1 => p1[offset],
        2 => p2[offset],
        3 => p3[offset],
        4 => p4[offset],
        _ => p5[offset],
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next() => _offsets++;
}
