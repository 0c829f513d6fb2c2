using System.Runtime.CompilerServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A strided convolution as a stride-1 one, so it can read its input in place (<see cref="ConvAlgorithm.PhasedTaps"/>).
/// </summary>
/// <remarks>
/// With strides (sh, sw), output (oy, ox) reads padded input (c, oy * sh + ky, ox * sw + kx). Writing ky = ky' * sh + py
/// and kx = kx' * sw + px, that is phase plane (c, py, px) = the padded input's rows py, py + sh, ... and columns px,
/// px + sw, ... at (oy + ky', ox + kx'): a stride-1 convolution over C x sh x sw phase planes with a kernel of
/// ceil(kh / sh) x ceil(kw / sw), whose taps past the original kernel are zero. Those zero taps are extra work, so the
/// split is used only when they add at most half (SqueezeNet's 7x7/2: 31%, AlexNet's 11x11/4: 19%).
/// </remarks>
internal static unsafe class PhaseSplit
{
    private const double MaximumExtraWork = 1.5;

    public static bool IsWorthIt(ConvSpec spec)
    {
        if (spec.StrideHeight == 1 && spec.StrideWidth == 1) return false;
        if (spec.DilationHeight != 1 || spec.DilationWidth != 1) return false;
        // In long: a stride in the billions (a hostile model) would overflow the phase count, and the split would
        // then loop over it; such a convolution runs on im2col instead.
        long phasedChannels = (long)spec.InputChannelsPerGroup * spec.StrideHeight * spec.StrideWidth;
        long phasedK = phasedChannels * CeilDiv(spec.KernelHeight, spec.StrideHeight) * CeilDiv(spec.KernelWidth, spec.StrideWidth);
        if (phasedChannels * spec.Group > int.MaxValue / 8 || phasedK > int.MaxValue / 8) return false;
        return (double)phasedK / spec.ReductionLength <= MaximumExtraWork;
    }

    /// <summary>The stride-1 convolution over the phase planes.</summary>
    public static ConvSpec PhasedSpec(ConvSpec spec) => new(
        spec.OutputChannels,
        spec.InputChannels * spec.StrideHeight * spec.StrideWidth,
        CeilDiv(spec.KernelHeight, spec.StrideHeight),
        CeilDiv(spec.KernelWidth, spec.StrideWidth),
        Group: spec.Group,
        Activation: spec.Activation);

    /// <summary>Weights M x C/group x kh x kw rearranged for <see cref="PhasedSpec"/>: channel (c, py, px), taps (ky', kx').</summary>
    public static float[] PhasedWeights(ConvSpec spec, ReadOnlySpan<float> weights)
    {
        ConvSpec phased = PhasedSpec(spec);
        int sh = spec.StrideHeight, sw = spec.StrideWidth, kh = spec.KernelHeight, kw = spec.KernelWidth;
        int kqh = phased.KernelHeight, kqw = phased.KernelWidth;
        var result = new float[phased.WeightCount];
        for (int m = 0; m < spec.OutputChannels; m++)
            for (int c = 0; c < spec.InputChannelsPerGroup; c++)
                for (int py = 0; py < sh; py++)
                    for (int px = 0; px < sw; px++)
                    {
                        int plane = (c * sh + py) * sw + px;
                        for (int ky = 0; ky < kqh; ky++)
                            for (int kx = 0; kx < kqw; kx++)
                            {
                                int y = ky * sh + py, x = kx * sw + px;
                                if (y < kh && x < kw)
                                    result[((long)m * phased.InputChannelsPerGroup + plane) * kqh * kqw + ky * kqw + kx] =
                                        weights[(int)((((long)m * spec.InputChannelsPerGroup + c) * kh + y) * kw + x)];
                            }
                    }
        return result;
    }

    /// <summary>Height and width of each phase plane: just enough for every output, Ho + kh' - 1 by Wo + kw' - 1.</summary>
    public static (int Height, int Width) PlaneSize(ConvSpec spec, in ConvGeometry geometry)
    {
        ConvSpec phased = PhasedSpec(spec);
        return (geometry.OutputHeight + phased.KernelHeight - 1, geometry.OutputWidth + phased.KernelWidth - 1);
    }

    /// <summary>
    /// Writes the phase planes of channels [first, first + count) of <paramref name="image"/> (C x H x W, the source
    /// geometry) to <paramref name="destination"/> (the image's first phase plane), zero outside the input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SplitChannels(float* image, ConvSpec spec, in ConvGeometry source, int planeHeight, int planeWidth,
        int first, int count, float* destination)
    {
        int phases = spec.StrideHeight * spec.StrideWidth;
        nint plane = (nint)planeHeight * planeWidth;
        for (int phase = first * phases; phase < (first + count) * phases; phase++)
            for (int y = 0; y < planeHeight; y++)
                SplitRow(image, spec, source, phase, y, planeWidth, destination + phase * plane + (nint)y * planeWidth, 1);
    }

    /// <summary>
    /// Rows [<paramref name="firstRow"/>, <paramref name="lastRow"/>) of <paramref name="image"/>'s phase planes (C x H x W
    /// in the <paramref name="source"/> geometry) into one image of padded blocked maps of <paramref name="planes"/>'s
    /// padded size at <paramref name="destination"/> (<see cref="ConvAlgorithm.PhasedWinograd"/>): phase plane (c, py, px)
    /// is lane (c x sh + py) x sw + px, a position's 16 lanes contiguous; zero outside the input and in the lanes past
    /// the last plane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SplitIntoBlocks(float* image, ConvSpec spec, in ConvGeometry source, in ConvGeometry planes, int firstRow, int lastRow,
        float* destination)
    {
        const int block = BlockedMaps.Block;
        int phases = spec.InputChannels * spec.StrideHeight * spec.StrideWidth, width = (int)planes.PaddedWidth;
        nint plane = (nint)planes.PaddedHeight * width * block;
        for (int b = 0; b * block < phases; b++)
            for (int y = firstRow; y < lastRow; y++)
            {
                float* row = destination + b * plane + (nint)y * width * block;
                int lanes = Math.Min(block, phases - b * block);
                if (lanes < block) new Span<float>(row, width * block).Clear();
                // Lane by lane, each phase's row read in order (position by position, a position's lanes together, took
                // twice the time: SqueezeNet's conv1, perf).
                for (int lane = 0; lane < lanes; lane++) SplitRow(image, spec, source, b * block + lane, y, width, row + lane, block);
            }
    }

    /// <summary>
    /// Row <paramref name="y"/> of phase plane <paramref name="phase"/> = (c x sh + py) x sw + px, <paramref name="columns"/>
    /// values <paramref name="step"/> floats apart from <paramref name="target"/>: the input's values, zero outside it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitRow(float* image, ConvSpec spec, in ConvGeometry source, int phase, int y, int columns, float* target, nint step)
    {
        int sh = spec.StrideHeight, sw = spec.StrideWidth;
        int c = phase / (sh * sw), py = phase / sw % sh, px = phase % sw;
        int height = source.InputHeight, width = source.InputWidth;
        int sy = y * sh + py - source.PadTop;
        // Plane column x reads source column x x sw + px - PadLeft: columns [first, end) are inside the input.
        int first = (uint)sy < (uint)height ? Math.Clamp(CeilDiv(source.PadLeft - px, sw), 0, columns) : columns;
        int end = (uint)sy < (uint)height ? Math.Clamp(CeilDiv(width + source.PadLeft - px, sw), first, columns) : columns;
        int x = 0;
        for (; x < first; x++) target[x * step] = 0f;
        float* sourceRow = image + ((nint)c * height + sy) * width + px - source.PadLeft;
        for (; x < end; x++) target[x * step] = sourceRow[(nint)x * sw];
        for (; x < columns; x++) target[x * step] = 0f;
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
