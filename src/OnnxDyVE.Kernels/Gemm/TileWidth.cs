namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// How many vectors of output channels a <see cref="GemmTile{TLane,TVec}.RunWideTiles{TWidth}"/> tile computes, a
/// constant of the instantiation so that the JIT leaves out the missing vectors' loads, FMAs and stores entirely.
/// </summary>
internal interface ITileWidth
{
    static abstract int Vectors { get; }
}

/// <summary>Two whole panels: four vectors (64 channels on AVX-512).</summary>
internal readonly struct FourVectorWidth : ITileWidth
{
    public static int Vectors => 4;
}

/// <summary>
/// A whole panel and the first vector of the next: three vectors (48 channels on AVX-512), where the channels end in an
/// odd number of blocks (SqueezeNet's 48-channel squeezes), instead of a two-vector pass and a one-vector pass.
/// </summary>
internal readonly struct ThreeVectorWidth : ITileWidth
{
    public static int Vectors => 3;
}

/// <summary>One whole panel: two vectors (32 channels on AVX-512), a last panel without a partner (96 channels, 32).</summary>
internal readonly struct TwoVectorWidth : ITileWidth
{
    public static int Vectors => 2;
}

/// <summary>One vector (16 channels on AVX-512): the last group of a 1 x 1 convolution's lists (<see cref="Conv.PointwiseLists"/>) where the channels end so.</summary>
internal readonly struct OneVectorWidth : ITileWidth
{
    public static int Vectors => 1;
}
