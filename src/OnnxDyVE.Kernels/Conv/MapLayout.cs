namespace OnnxDyVE.Kernels.Conv;

/// <summary>How a convolution's input or output tensor holds its channel maps.</summary>
public enum MapLayout
{
    /// <summary>ONNX's NCHW: each channel's map is one plane.</summary>
    Planar,

    /// <summary>
    /// Blocks of <see cref="BlockedMaps.Block"/> channels, each block an H x W map of positions whose channels lie side
    /// by side (N x ceil(C / 16) x H x W x 16, the channels past C zero). A position's channels are one cache line, so
    /// a convolution reads a handful of streams whatever C is, and writes its outputs without transposing them: the
    /// layout ORT's MLAS runs its own convolutions in (NCHWc). Between DyVE convolutions only.
    /// </summary>
    Blocked,
}
