using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// The least and greatest value of an input map, starting from 0 (a convolution's padding reads zeros), for
/// exact SPET's bound on what the rest of K can add. A NaN anywhere makes the greatest +infinity, so the bound
/// is infinite and no neuron is stopped: the NaN reaches the output as it would in the dense product.
/// </summary>
internal struct ValueRange
{
    private Vector<float> _low;
    private Vector<float> _high;
    private Vector<float> _nanProbe;
    private float _lowTail;
    private float _highTail;
    private bool _nan;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Widen(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (Vector<float> v in vectors)
        {
            _low = Vector.Min(_low, v);
            _high = Vector.Max(_high, v);
            // x * 0 is 0 for finite x and NaN for NaN (and infinities, which the maximum covers anyway).
            _nanProbe += v * Vector<float>.Zero;
        }
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            float x = values[i];
            _lowTail = Math.Min(_lowTail, x);
            _highTail = Math.Max(_highTail, x);
            _nan |= float.IsNaN(x);
        }
    }

    /// <summary>Writes the least value, then the greatest.</summary>
    public readonly unsafe void Store(float* destination)
    {
        float low = _lowTail, high = _highTail;
        bool nan = _nan;
        for (int i = 0; i < Vector<float>.Count; i++)
        {
            low = Math.Min(low, _low[i]);
            high = Math.Max(high, _high[i]);
            nan |= float.IsNaN(_nanProbe[i]);
        }
        destination[0] = nan ? float.NegativeInfinity : low;
        destination[1] = nan ? float.PositiveInfinity : high;
    }
}
