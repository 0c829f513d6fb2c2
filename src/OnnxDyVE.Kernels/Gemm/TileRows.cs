namespace OnnxDyVE.Kernels.Gemm;

/// <summary>Position tiles of six rows (<see cref="PanelLayout.Rows"/>), the usual height.</summary>
internal readonly struct SixRows;

/// <summary>A last position tile of one to three rows: half a six-row tile's work.</summary>
internal readonly struct ThreeRows
{
    public const int Count = 3;
}
