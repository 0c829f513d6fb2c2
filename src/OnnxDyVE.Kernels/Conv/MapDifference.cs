using System.Numerics;
using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>How far apart two input maps are, the test of SFMA's merged pairs (<see cref="ConvSpec.SfmaPairs"/>), and calibration's search for them.</summary>
public static class MapDifference
{
    /// <summary>Scalar operations per value: the difference, its square, the sum.</summary>
    public const int OperationsPerValue = 3;

    /// <summary>
    /// The sum of (a - b)^2 over two maps of equal length. NaN or infinite where either holds a NaN or an infinity.
    /// </summary>
    public static float SquaredSum(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"maps of {a.Length} and {b.Length} values");
        ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a), vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        Vector<float> sum = default;
        for (int v = 0; v < va.Length; v++)
        {
            Vector<float> d = va[v] - vb[v];
            sum += d * d;
        }
        float total = Vector.Sum(sum);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            float d = a[i] - b[i];
            total += d * d;
        }
        return total;
    }
}
