using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Simd;

/// <summary>The vector width a kernel runs with, widest first.</summary>
public enum SimdPath
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

public static class SimdPaths
{
    /// <summary>
    /// The widest width this process accelerates. The runtime answers for the current process, so
    /// DOTNET_EnableAVX512F=0 and friends in the environment select narrower paths (the tests rely on it).
    /// </summary>
    public static SimdPath Best { get; } = Detect();

    private static SimdPath Detect()
    {
        if (Vector512.IsHardwareAccelerated) return SimdPath.Vector512;
        if (Vector256.IsHardwareAccelerated) return SimdPath.Vector256;
        if (Vector128.IsHardwareAccelerated) return SimdPath.Vector128;
        return SimdPath.Scalar;
    }

    /// <summary>Floats per vector on a path.</summary>
    public static int Width(SimdPath path) => path switch
    {
        SimdPath.Vector512 => 16,
        SimdPath.Vector256 => 8,
        SimdPath.Vector128 => 4,
        _ => 1,
    };
}
