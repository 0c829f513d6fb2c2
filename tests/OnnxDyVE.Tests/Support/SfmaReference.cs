using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// SFMA's near-uniform maps written out from the rule, in double precision: a map (image, input channel) whose
/// standard deviation over its own values is at most the threshold is left out of the convolution, and its mean times
/// the sum of its weights over the taps is added to every output of each output channel it feeds, borders included
/// (where a real convolution would read the padding's zeros instead of the mean). A candidate pair (i, j) of input
/// channels whose maps differ by an RMS of at most the threshold, neither map folded, is merged: map j is replaced by
/// map i (what W_i + W_j on map i computes).
/// </summary>
internal static class SfmaReference
{
    /// <summary>Each map's mean and standard deviation (N x C, image-major).</summary>
    public static (double Mean, double Deviation)[] Moments(ConvLayer layer, float[] input)
    {
        int plane = layer.Height * layer.Width;
        var moments = new (double, double)[layer.Batch * layer.InputChannels];
        for (int map = 0; map < moments.Length; map++)
        {
            double sum = 0;
            for (int i = 0; i < plane; i++) sum += input[map * plane + i];
            double mean = sum / plane, squares = 0;
            for (int i = 0; i < plane; i++) squares += (input[map * plane + i] - mean) * (input[map * plane + i] - mean);
            moments[map] = (mean, Math.Sqrt(squares / plane));
        }
        return moments;
    }

    /// <summary>
    /// Per (image, pair) of <paramref name="pairs"/> ([i0, j0, i1, j1, ...], one group), whether it merges: RMS(x_i - x_j)
    /// at most <paramref name="threshold"/>, neither map <paramref name="folded"/>.
    /// </summary>
    public static bool[] Merged(ConvLayer layer, float[] input, int[] pairs, double threshold, bool[] folded)
    {
        int plane = layer.Height * layer.Width, count = pairs.Length / 2;
        var merged = new bool[layer.Batch * count];
        for (int image = 0; image < layer.Batch; image++)
            for (int p = 0; p < count; p++)
            {
                int i = image * layer.InputChannels + pairs[2 * p], j = image * layer.InputChannels + pairs[2 * p + 1];
                merged[image * count + p] = Difference(input, i, j, plane) <= threshold && !folded[i] && !folded[j];
            }
        return merged;
    }

    /// <summary>RMS(x_i - x_j) over maps <paramref name="i"/> and <paramref name="j"/> (counted over the whole batch).</summary>
    public static double Difference(ReadOnlySpan<float> input, int i, int j, int plane)
    {
        double squares = 0;
        for (int t = 0; t < plane; t++)
        {
            double d = (double)input[i * plane + t] - input[j * plane + t];
            squares += d * d;
        }
        return Math.Sqrt(squares / plane);
    }

    /// <summary>
    /// The convolution (N x M x Ho x Wo) with the maps marked <paramref name="folded"/> folded into the bias, and the
    /// pairs marked <paramref name="merged"/> (per image and pair of <paramref name="pairs"/>) merged.
    /// </summary>
    public static double[] Conv(ConvLayer layer, float[] input, float[] weights, float[]? bias, bool[] folded, (double Mean, double Deviation)[] moments,
        int[]? pairs = null, bool[]? merged = null)
    {
        int plane = layer.Height * layer.Width;
        var live = (float[])input.Clone();
        for (int map = 0; map < folded.Length; map++)
            if (folded[map]) Array.Clear(live, map * plane, plane);
        int count = pairs is null ? 0 : pairs.Length / 2;
        for (int image = 0; image < layer.Batch; image++)
            for (int p = 0; p < count; p++)
                if (merged![image * count + p])
                    Array.Copy(input, (image * layer.InputChannels + pairs![2 * p]) * plane, live, (image * layer.InputChannels + pairs[2 * p + 1]) * plane, plane);
        ConvLayer linear = layer with { Activation = LayerActivation.None, HasBias = false };
        double[] y = ScalarReference.Conv(linear, live, weights, []);
        int cGroup = layer.InputChannels / layer.Group, mGroup = layer.OutputChannels / layer.Group, taps = layer.KernelHeight * layer.KernelWidth;
        int outputs = y.Length / (layer.Batch * layer.OutputChannels);
        for (int image = 0; image < layer.Batch; image++)
            for (int m = 0; m < layer.OutputChannels; m++)
            {
                double shift = bias is null ? 0 : bias[m];
                for (int c = 0; c < cGroup; c++)
                {
                    int map = image * layer.InputChannels + m / mGroup * cGroup + c;
                    if (!folded[map]) continue;
                    double tapSum = 0;
                    for (int t = 0; t < taps; t++) tapSum += weights[(m * cGroup + c) * taps + t];
                    shift += moments[map].Mean * tapSum;
                }
                int at = (image * layer.OutputChannels + m) * outputs;
                for (int i = 0; i < outputs; i++) y[at + i] = ScalarReference.Activate(layer.Activation, y[at + i] + shift);
            }
        return y;
    }
}
