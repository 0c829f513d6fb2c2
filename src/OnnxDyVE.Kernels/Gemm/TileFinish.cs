namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// A run of position tiles that ends with no epilogue (a partial block of K) or the plain one, a bias per channel then
/// ReLU or nothing (<see cref="TileEpilogue.IsPlainBias"/>), applied in registers. An instantiation of its own: a
/// method carrying the general epilogue too ran past the JIT's inline budget on that one's per-vector code, and the
/// plain path's stores became calls that spilled a vector through the stack on every tile.
/// </summary>
internal readonly struct PlainFinish;

/// <summary>The plain epilogue with ReLU: a bias per channel, then ReLU, with no test per vector of whether to apply it.</summary>
internal readonly struct ReluFinish;

/// <summary>
/// The plain epilogue with a residual block's sum: each accumulator adds its element of the residual (loaded beside the
/// output, <see cref="TileEpilogue.Residual"/>) before the bias and ReLU, in registers.
/// </summary>
internal readonly struct ResidualFinish;

/// <summary>A run of position tiles that ends with any other epilogue (no bias, Clip, LeakyReLU): <see cref="TileEpilogue.Apply"/> per vector.</summary>
internal readonly struct GeneralFinish;
