using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// The mean and variance of one input map, accumulated row by row as the map is copied, for SFMA's near-uniform test.
/// Sums are taken of x - shift, shift being the map's first value: a near-uniform map's values all lie close to it,
/// so the variance q / n - (s / n)^2 keeps its digits in float where sums of x and x^2 would cancel them (a map at
/// 10 +- 0.01 has x^2 near 100 and a variance of 1e-4, below float's resolution there).
/// A NaN or an infinity anywhere makes the variance NaN or infinite, so such a map is never near-uniform.
/// </summary>
internal struct MapMoments(float shift)
{
    private Vector<float> _sum;
    private Vector<float> _squares;
    private float _sumTail;
    private float _squaresTail;

    /// <summary>Scalar operations per value: the shift, the sum, the sum of squares.</summary>
    public const int OperationsPerValue = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ReadOnlySpan<float> values)
    {
        var s = new Vector<float>(shift);
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (Vector<float> v in vectors)
        {
            Vector<float> d = v - s;
            _sum += d;
            _squares += d * d;
        }
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            float d = values[i] - shift;
            _sumTail += d;
            _squaresTail += d * d;
        }
    }

    /// <summary>
    /// Whether the <paramref name="count"/> values added have a standard deviation of at most
    /// <paramref name="threshold"/>, and their mean.
    /// </summary>
    public readonly bool IsNearUniform(int count, float threshold, out float mean)
    {
        float shifted = (Vector.Sum(_sum) + _sumTail) / count;
        float variance = (Vector.Sum(_squares) + _squaresTail) / count - shifted * shifted;
        mean = shift + shifted;
        return variance <= threshold * threshold;
    }
}
