namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// What a near-uniform input map adds to each output channel in SFMA: its mean times the sum of its weights over the
/// taps, the weights' sums taken once when the kernel is made. A task adds the folded maps of its image to the bias of
/// its own output channels (a few multiply-adds per folded map and channel, against a whole map's worth of MACs
/// saved), so no phase has to wait for every map of an image to be copied.
/// </summary>
internal sealed unsafe class SfmaFold
{
    /// <summary>Per input channel c (of all groups), the taps' sum of W[m, c, :, :] for the group's output channels m.</summary>
    private readonly float[] _tapSums;
    private readonly ConvSpec _spec;

    public SfmaFold(ConvSpec spec, ReadOnlySpan<float> weights)
    {
        _spec = spec;
        int mGroup = spec.OutputChannelsPerGroup, cGroup = spec.InputChannelsPerGroup, taps = spec.KernelHeight * spec.KernelWidth;
        _tapSums = GC.AllocateUninitializedArray<float>(spec.InputChannels * mGroup, pinned: true);
        for (int m = 0; m < spec.OutputChannels; m++)
        {
            int group = m / mGroup;
            for (int c = 0; c < cGroup; c++)
            {
                double sum = 0;
                foreach (float w in weights.Slice((m * cGroup + c) * taps, taps)) sum += w;
                _tapSums[(group * cGroup + c) * mGroup + m - group * mGroup] = (float)sum;
            }
        }
    }

    /// <summary>
    /// Writes the bias of output channels [first, first + count) of <paramref name="group"/> with the image's folded maps
    /// added, in channel order (so every task of the image computes the same values), to <paramref name="destination"/>.
    /// </summary>
    /// <param name="bias">The kernel's bias for the group's first output channel (zeros where the layer has none).</param>
    /// <param name="flags">The group's map flags for the image (<see cref="PaddedTaps.FoldedMap"/> marks a folded map).</param>
    /// <param name="means">The group's map means for the image.</param>
    /// <returns>The maps folded.</returns>
    public int Bias(float* bias, byte* flags, float* means, int group, int first, int count, float* destination)
    {
        for (int j = 0; j < count; j++) destination[j] = bias[first + j];
        int cGroup = _spec.InputChannelsPerGroup, mGroup = _spec.OutputChannelsPerGroup;
        int folded = 0;
        fixed (float* tapSums = _tapSums)
            for (int c = 0; c < cGroup; c++)
            {
                if (flags[c] != PaddedTaps.FoldedMap) continue;
                folded++;
                float mean = means[c];
                float* sums = tapSums + (nint)(group * cGroup + c) * mGroup + first;
                // Scalar: at most one output channel's worth of work per folded map, beside the map's MACs it saves.
                for (int j = 0; j < count; j++) destination[j] += mean * sums[j];
            }
        return folded;
    }
}
