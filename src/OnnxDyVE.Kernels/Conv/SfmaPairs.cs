using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// SFMA's merged pairs (<see cref="ConvSpec.SfmaPairs"/>): two near-equal input maps i and j are computed as one,
/// x_i against W_i + W_j. Each pair is a virtual input channel after the C real ones, whose weights are W_i + W_j and
/// whose taps read map i's padded plane; a run leaves out of K either the virtual channel (the pair not merged) or maps
/// i and j (merged), so the product itself is the exact kernel's over C + P channels with some left out.
/// </summary>
/// <remarks>
/// The decision per image takes a second pass over the pair's two maps (in the copy phase, read from the input, which
/// every copy task sees whole): RMS(x_i - x_j) against the near-uniform threshold. The error of replacing x_j by x_i
/// is W_j (x_j - x_i), as folding's is W (x - mean), so one threshold on the RMS of what is replaced serves both.
/// </remarks>
internal sealed unsafe class SfmaPairs
{
    /// <summary>A flag of the run's C + P channels: left out of K (any nonzero flag is).</summary>
    private const byte LeftOut = 1;

    private readonly int[] _pairs;
    private readonly int _channels;
    private readonly int _taps;

    /// <summary>
    /// The weights over C + P channels, packed into tile panels as the convolution's own (one group), pinned so a run
    /// reads them by address.
    /// </summary>
    private readonly float[] _panels;

    /// <summary>The first of <see cref="_panels"/>.</summary>
    public float* Panels => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_panels));

    public int Count => _pairs.Length / 2;

    /// <summary>K of the merged product: (C + P) x taps.</summary>
    public int K => (_channels + Count) * _taps;

    public SfmaPairs(ConvSpec spec, ReadOnlySpan<float> weights)
    {
        _pairs = [.. spec.SfmaPairs!];
        _channels = spec.InputChannels;
        _taps = spec.KernelHeight * spec.KernelWidth;
        int k = spec.ReductionLength, merged = K;
        var extended = new float[(long)spec.OutputChannels * merged];
        for (int m = 0; m < spec.OutputChannels; m++)
        {
            ReadOnlySpan<float> row = weights.Slice(m * k, k);
            Span<float> target = extended.AsSpan(m * merged, merged);
            row.CopyTo(target);
            for (int p = 0; p < Count; p++)
                for (int t = 0; t < _taps; t++)
                    target[k + p * _taps + t] = row[_pairs[2 * p] * _taps + t] + row[_pairs[2 * p + 1] * _taps + t];
        }
        // Packed directly rather than by a kernel of C + P channels, which would also pack weights for algorithms this
        // product never runs (position tiles).
        _panels = GC.AllocateUninitializedArray<float>(
            checked(Gemm.PanelLayout.CeilDiv(spec.OutputChannels, Gemm.PanelLayout.Rows) * Gemm.PanelLayout.Rows * merged), pinned: true);
        fixed (float* source = extended)
        fixed (float* packed = _panels)
            Gemm.PanelLayout.PackRows(source, merged, 1, spec.OutputChannels, merged, 1f, packed);
    }

    /// <summary>
    /// For the pairs whose first map lies in channels [first, last) of <paramref name="image"/> (C x plane values), whether
    /// their maps are near-equal: nearEqual[p] = 1 when RMS(x_i - x_j) &lt;= <paramref name="threshold"/>, else 0.
    /// </summary>
    /// <returns>The pairs tested.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Test(float* image, int plane, int first, int last, float threshold, byte* nearEqual)
    {
        int tested = 0;
        for (int p = 0; p < Count; p++)
        {
            int i = _pairs[2 * p];
            if (i < first || i >= last) continue;
            var a = new ReadOnlySpan<float>(image + (nint)i * plane, plane);
            var b = new ReadOnlySpan<float>(image + (nint)_pairs[2 * p + 1] * plane, plane);
            // A NaN or an infinity makes the sum NaN or infinite: such a pair never merges.
            nearEqual[p] = MapDifference.SquaredSum(a, b) <= (double)threshold * threshold * plane ? (byte)1 : (byte)0;
            tested++;
        }
        return tested;
    }

    /// <summary>
    /// The image's flags over the C + P channels of the merged product (0: multiplied): a pair merges where its maps are
    /// near-equal and neither is zero or folded (a folded map's weights are in the bias already); maps i and j are then
    /// left out and the pair's channel multiplied, else the pair's channel is left out.
    /// </summary>
    /// <param name="mapFlags">The image's C map flags from the copy phase.</param>
    /// <param name="nearEqual">The image's P decisions from <see cref="Test"/>.</param>
    /// <returns>The pairs merged.</returns>
    public int Flags(byte* mapFlags, byte* nearEqual, byte* destination)
    {
        new ReadOnlySpan<byte>(mapFlags, _channels).CopyTo(new Span<byte>(destination, _channels));
        int merged = 0;
        for (int p = 0; p < Count; p++)
        {
            int i = _pairs[2 * p], j = _pairs[2 * p + 1];
            bool merges = nearEqual[p] != 0 && mapFlags[i] == 0 && mapFlags[j] == 0;
            destination[_channels + p] = merges ? (byte)0 : LeftOut;
            if (!merges) continue;
            destination[i] = destination[j] = LeftOut;
            merged++;
        }
        return merged;
    }

    /// <summary>Offsets of the pairs' taps, after the C channels' own (<paramref name="offsets"/>): each reads its map i.</summary>
    public void TapOffsets(nint* offsets)
    {
        for (int p = 0; p < Count; p++)
            new ReadOnlySpan<nint>(offsets + (nint)_pairs[2 * p] * _taps, _taps)
                .CopyTo(new Span<nint>(offsets + (nint)(_channels + p) * _taps, _taps));
    }
}
