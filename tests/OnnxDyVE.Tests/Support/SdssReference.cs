namespace OnnxDyVE.Tests.Support;

/// <summary>
/// SDSS written out plainly from its definition, over the exact outputs of a convolution (N x M x Ho x Wo):
/// grid positions (even row and column) keep their value; any other position, per block of 32 channels, is
/// interpolated from its grid neighbours when every channel's neighbours lie within the threshold of each other,
/// and keeps its exact value otherwise. Neighbours along an axis: an even coordinate itself; an odd one its two
/// sides, halved; at the far edge of an even length, the near side (weight 1) and the one beyond it (spread only).
/// </summary>
internal static class SdssReference
{
    public const int BlockChannels = 32;

    /// <param name="ambiguous">Set where the decision is within <paramref name="margin"/> of the threshold (float rounding may tip it either way).</param>
    /// <param name="interpolated">The interpolated value of every off-grid output, whatever the decision.</param>
    /// <param name="computedOffGrid">Per image, the off-grid outputs (position x channel) left to compute.</param>
    public static double[] Apply(double[] exact, int batch, int channels, int height, int width, double threshold, double margin,
        out bool[] ambiguous, out double[] interpolated, out long[] computedOffGrid)
    {
        var result = (double[])exact.Clone();
        ambiguous = new bool[exact.Length];
        interpolated = (double[])exact.Clone();
        computedOffGrid = new long[batch];
        int plane = height * width;
        for (int image = 0; image < batch; image++)
            for (int block = 0; block * BlockChannels < channels; block++)
            {
                int c1 = Math.Min(channels, (block + 1) * BlockChannels);
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                    {
                        if (y % 2 == 0 && x % 2 == 0) continue;
                        var rows = Side(y, height);
                        var columns = Side(x, width);
                        double widest = 0;
                        for (int c = block * BlockChannels; c < c1; c++)
                        {
                            int map = (image * channels + c) * plane;
                            double max = double.MinValue, min = double.MaxValue, sum = 0;
                            foreach ((int gy, double wy) in rows)
                                foreach ((int gx, double wx) in columns)
                                {
                                    double v = exact[map + gy * width + gx];
                                    max = Math.Max(max, v);
                                    min = Math.Min(min, v);
                                    sum += wy * wx * v;
                                }
                            widest = Math.Max(widest, max - min);
                            interpolated[map + y * width + x] = sum;
                        }
                        bool compute = widest > threshold;
                        if (compute) computedOffGrid[image] += c1 - block * BlockChannels;
                        bool unsure = Math.Abs(widest - threshold) <= margin;
                        for (int c = block * BlockChannels; c < c1; c++)
                        {
                            int at = (image * channels + c) * plane + y * width + x;
                            if (!compute) result[at] = interpolated[at];
                            ambiguous[at] = unsure;
                        }
                    }
            }
        return result;
    }

    /// <summary>The grid coordinates (in the full map) an axis coordinate reads, with interpolation weights.</summary>
    private static (int Coordinate, double Weight)[] Side(int c, int length) =>
        c % 2 == 0 ? [(c, 1)]
        : c + 1 < length ? [(c - 1, 0.5), (c + 1, 0.5)]
        : c >= 3 ? [(c - 1, 1), (c - 3, 0)]
        : [(c - 1, 1)];
}
