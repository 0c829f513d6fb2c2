using System.Runtime.CompilerServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// The pieces of <see cref="ConvAlgorithm.PaddedTaps"/>: the zero-padded copy of the input, the offset of each
/// tap's row within it, and moving finished padded-width rows to the output.
/// </summary>
/// <remarks>
/// With stride 1, output (oy, ox) reads tap (c, ky, kx) at padded (c, oy + ky * dh, ox + kx * dw). Number the
/// outputs n = oy * Wp + ox over rows as wide as the padded input (Wp) and that read sits at
/// c * plane + ky * dh * Wp + kx * dw + n: one fixed offset per tap, plus n. Columns with ox &gt;= Wo are computed
/// from neighbouring data and dropped. The last tile reads at most one tile past the last plane, which the
/// copy keeps zero.
/// </remarks>
internal static unsafe class PaddedTaps
{
    // Run-time loops are marked AggressiveOptimization: compiled fully optimised on first call, as tier-0
    // code would slow the first runs of every session.
    /// <summary>Floats in one padded channel plane.</summary>
    public static nint Plane(in ConvGeometry geometry) => (nint)(geometry.PaddedHeight * geometry.PaddedWidth);

    /// <summary>Compute columns of a run: up to the last real output, (Ho - 1) * Wp + Wo.</summary>
    public static int Columns(in ConvGeometry geometry) =>
        checked((int)((geometry.OutputHeight - 1) * geometry.PaddedWidth + geometry.OutputWidth));

    /// <summary>A map flag: the channel is zero everywhere (left out of K exactly).</summary>
    public const byte ZeroMap = 1;

    /// <summary>A map flag: the channel is near-uniform (SFMA: left out of K, its mean folded into the bias).</summary>
    public const byte FoldedMap = 2;

    /// <summary>
    /// Copies channels [first, first + count) of <paramref name="image"/> (C x H x W) into the padded layout
    /// at <paramref name="destination"/> (the image's first padded plane), borders zero. With
    /// <paramref name="mapFlags"/>, mapFlags[c] says whether channel c was zero everywhere (<see cref="ZeroMap"/>),
    /// near-uniform (<see cref="FoldedMap"/>, only with <paramref name="means"/>) or neither (0). With
    /// <paramref name="ranges"/>, ranges[2c] and ranges[2c + 1] get the least and greatest value of channel c, widened to
    /// include 0 (the padding), and the greatest is +infinity where the channel holds a NaN. With <paramref name="means"/>,
    /// a channel whose standard deviation (padding excluded) is at most <paramref name="threshold"/> is near-uniform and
    /// means[c] gets its mean.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyChannels(float* image, in ConvGeometry geometry, int first, int count, float* destination, byte* mapFlags,
        float* ranges = null, float* means = null, float threshold = 0)
    {
        int width = geometry.InputWidth;
        int height = geometry.InputHeight;
        nint pitch = (nint)geometry.PaddedWidth;
        nint plane = Plane(geometry);
        for (int c = first; c < first + count; c++)
        {
            float* source = image + (nint)c * height * width;
            float* target = destination + c * plane;
            new Span<float>(target, checked((int)(geometry.PadTop * pitch + geometry.PadLeft))).Clear();
            float* row = target + geometry.PadTop * pitch + geometry.PadLeft;
            bool nonZero = false;
            var range = new ValueRange();
            var moments = new MapMoments(*source);
            for (int y = 0; y < height; y++)
            {
                var sourceRow = new ReadOnlySpan<float>(source + (nint)y * width, width);
                sourceRow.CopyTo(new Span<float>(row, width));
                if (ranges != null) range.Widen(sourceRow);
                if (means != null) moments.Add(sourceRow);
                // +0 and -0 are both zero; NaN is not, so a NaN map is never skipped.
                if (mapFlags != null && !nonZero) nonZero = sourceRow.ContainsAnyExcept(0f, -0f);
                // Right pad of this row and left pad of the next are adjacent.
                int gap = y + 1 < height ? geometry.PadRight + geometry.PadLeft : geometry.PadRight;
                new Span<float>(row + width, gap).Clear();
                row += pitch;
            }
            row -= geometry.PadLeft;
            new Span<float>(row, checked((int)(geometry.PadBottom * pitch))).Clear();
            if (mapFlags != null) mapFlags[c] = !nonZero ? ZeroMap
                : means != null && moments.IsNearUniform(width * height, threshold, out means[c]) ? FoldedMap
                : (byte)0;
            if (ranges != null) range.Store(ranges + 2 * c);
        }
    }

    /// <summary>offsets[k] for every tap k = (c, ky, kx) of <paramref name="channels"/> channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TapOffsets(ConvSpec spec, in ConvGeometry geometry, int channels, nint* offsets)
    {
        nint pitch = (nint)geometry.PaddedWidth;
        nint plane = Plane(geometry);
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < spec.KernelHeight; ky++)
                for (int kx = 0; kx < spec.KernelWidth; kx++)
                    *offsets++ = c * plane + ky * spec.DilationHeight * pitch + kx * spec.DilationWidth;
    }

    /// <summary>
    /// Moves <paramref name="rows"/> rows of finished compute columns [n0, n0 + nLength) from
    /// <paramref name="source"/> (rows <paramref name="sourcePitch"/> apart) to the output maps
    /// (<paramref name="outputPlane"/> apart, <paramref name="output"/> at the first row's map) where
    /// <paramref name="placement"/> puts them, dropping the columns past each row's real width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreColumns(float* source, nint sourcePitch, int rows, int n0, int nLength,
        ColumnPlacement placement, nint outputPlane, float* output)
    {
        int pitch = placement.ComputePitch;
        int width = placement.RealWidth;
        int n = n0;
        int end = n0 + nLength;
        while (n < end)
        {
            int y = n / pitch;
            int x = n - y * pitch;
            if (x >= width)
            {
                n = (y + 1) * pitch;
                continue;
            }
            int length = Math.Min(width - x, end - n);
            float* from = source + (n - n0);
            float* to = output + placement.OutputOffset + (nint)y * placement.OutputWidth + x;
            for (int r = 0; r < rows; r++)
                ShortSpans.Copy(from + r * sourcePitch, to + r * outputPlane, length);
            n += length;
        }
    }
}
