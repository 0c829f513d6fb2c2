using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// What is added to a finished output tile before it is stored: Beta x bias, broadcast along rows or
/// columns (conv: one bias per output channel = row; Gemm: C broadcast to M x N), then the activation.
/// Applied once, when the last block of K has been accumulated.
/// </summary>
internal readonly unsafe struct TileEpilogue
{
    /// <summary>Bias for the tile's first row and column; null for none.</summary>
    public readonly float* Bias;
    /// <summary>Bias elements between consecutive rows (0: the same for every row).</summary>
    public readonly nint RowStride;
    /// <summary>Bias elements between consecutive columns: 0 (the same along a row) or 1.</summary>
    public readonly nint ColumnStride;
    public readonly float Beta;
    public readonly Activation Activation;
    /// <summary>
    /// Floats from an output element to the residual's element added before the activation (a residual block's sum), 0
    /// for none. Only <see cref="GemmTile{TLane,TVec}.RunWideTiles{TWidth}"/> reads it, with a plain bias (<see cref="IsPlainBias"/>).
    /// </summary>
    public readonly nint Residual;

    public TileEpilogue(float* bias, nint rowStride, nint columnStride, float beta, Activation activation, nint residual = 0)
    {
        Bias = bias;
        RowStride = rowStride;
        ColumnStride = columnStride;
        Beta = beta;
        Activation = activation;
        Residual = residual;
    }

    /// <summary>The same epilogue for a tile whose first element is at (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TileEpilogue At(nint row, nint column) =>
        Bias == null ? this : new TileEpilogue(Bias + row * RowStride + column * ColumnStride, RowStride, ColumnStride, Beta, Activation, Residual);

    /// <summary>
    /// Whether the epilogue is a convolution's usual one: a bias along <paramref name="columnStride"/> (1: one per
    /// column, 0: one per row), added once (Beta 1), then ReLU or nothing. A tile then loads its bias once and finishes
    /// its accumulators in straight-line code (<see cref="GemmTile{TLane,TVec}"/>), where the general epilogue reloads
    /// every field and tests the activation per vector, a third of a short tile's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsPlainBias(nint columnStride, out bool relu)
    {
        relu = Activation.Kind == ActivationKind.Relu;
        return Bias != null && ColumnStride == columnStride && RowStride == 1 - columnStride && Beta == 1f
            && (relu || Activation.Kind == ActivationKind.None);
    }

    /// <summary>C's element at (row, column) from the tile's first, unscaled; 0 without C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float BiasAt(nint row, nint column) => Bias == null ? 0f : Bias[row * RowStride + column * ColumnStride];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float value, nint row, nint column)
    {
        if (Bias != null) value += Beta * Bias[row * RowStride + column * ColumnStride];
        return Activation.Apply(value);
    }

    /// <summary>Epilogue of a full vector of columns starting at (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TLane, TVec>(TVec value, nint row, nint column)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        if (Bias != null)
        {
            float* at = Bias + row * RowStride + column * ColumnStride;
            TVec bias = ColumnStride == 0 ? TLane.Broadcast(*at) : TLane.Load(ref *at);
            value = TLane.MultiplyAdd(bias, TLane.Broadcast(Beta), value);
        }
        return Activation.Apply<TLane, TVec>(value);
    }
}
