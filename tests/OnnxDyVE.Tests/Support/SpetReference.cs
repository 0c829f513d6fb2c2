using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// SPET as the schema defines it, on a stride-1 convolution of one group, written out plainly in double precision:
/// the input channels ordered by weight mass, a prefix of them summed for every output, the test
/// partial + bias + margin &lt; floor, and the exact value for the outputs left. Shares no code with the kernel.
/// </summary>
internal static class SpetReference
{
    /// <summary>What SPET should produce for one run, and where the decision was too close to call.</summary>
    /// <param name="Values">Expected outputs (N x M x Ho x Wo).</param>
    /// <param name="Exact">The dense outputs, for the outputs too close to call.</param>
    /// <param name="Ambiguous">Outputs whose test lies within float rounding of the floor: either answer is right.</param>
    /// <param name="Stopped">Outputs stopped (ambiguous ones excluded), per image.</param>
    /// <param name="PrefixChannels">Input channels in the prefix.</param>
    /// <param name="Order">Input channels by significance.</param>
    public sealed record Result(double[] Values, double[] Exact, bool[] Ambiguous, long[] Stopped, int PrefixChannels, int[] Order);

    /// <summary>Channels in the prefix for a prefix share: rounded, at least one each side, the rest in whole 8s where 8 or more.</summary>
    public static int PrefixChannels(int channels, float prefix)
    {
        int requested = Math.Clamp((int)Math.Round(prefix * channels), 1, channels - 1);
        int rest = channels - requested;
        if (rest >= 8) rest = rest / 8 * 8;
        return channels - rest;
    }

    public static Result Apply(ConvLayer layer, float[] input, float[] weights, float[]? bias, float prefix, double strength, double activationScale, double floor)
    {
        int c = layer.InputChannels, m = layer.OutputChannels, taps = layer.KernelHeight * layer.KernelWidth;
        var mass = new double[c];
        for (int o = 0; o < m; o++)
            for (int i = 0; i < c; i++)
                for (int t = 0; t < taps; t++) mass[i] += Math.Abs(weights[(o * c + i) * taps + t]);
        int[] order = [.. Enumerable.Range(0, c).OrderByDescending(i => mass[i]).ThenBy(i => i)];
        int prefixChannels = PrefixChannels(c, prefix);
        var inPrefix = new bool[c];
        foreach (int i in order.Take(prefixChannels)) inPrefix[i] = true;

        ConvLayer linear = layer with { HasBias = false, Activation = LayerActivation.None };
        double[] prefixSums = ScalarReference.Conv(linear, input, Masked(weights, m, c, taps, i => inPrefix[i]), null);
        double[] restSums = ScalarReference.Conv(linear, input, Masked(weights, m, c, taps, i => !inPrefix[i]), null);
        double[] exact = ScalarReference.Conv(layer, input, weights, bias);

        int plane = layer.Height * layer.Width;
        int outputs = prefixSums.Length / (layer.Batch * m);
        var values = new double[prefixSums.Length];
        var ambiguous = new bool[prefixSums.Length];
        var stopped = new long[layer.Batch];
        for (int image = 0; image < layer.Batch; image++)
        {
            // Each channel's range, widened to 0 (the padding).
            var low = new double[c];
            var high = new double[c];
            for (int i = 0; i < c; i++)
                for (int p = 0; p < plane; p++)
                {
                    double x = input[(image * c + i) * plane + p];
                    low[i] = Math.Min(low[i], x);
                    high[i] = Math.Max(high[i], x);
                }
            for (int o = 0; o < m; o++)
            {
                double bound = 0, magnitude = 0;
                for (int i = 0; i < c; i++)
                    if (!inPrefix[i])
                        for (int t = 0; t < taps; t++)
                        {
                            double w = weights[(o * c + i) * taps + t];
                            bound += Math.Max(w * high[i], w * low[i]);
                            magnitude += Math.Abs(w) * Math.Max(high[i], -low[i]);
                        }
                double margin = strength < 1 ? bound * (1 - strength) : -activationScale * (strength - 1);
                double b = bias is null ? 0 : bias[o];
                for (int p = 0; p < outputs; p++)
                {
                    int index = (image * m + o) * outputs + p;
                    double test = prefixSums[index] + b + margin - floor;
                    double slack = 1e-4 * (magnitude + Math.Abs(prefixSums[index]) + Math.Abs(b) + activationScale);
                    ambiguous[index] = Math.Abs(test) <= slack;
                    bool stop = test < 0;
                    if (stop && !ambiguous[index]) stopped[image]++;
                    values[index] = stop ? floor : ScalarReference.Activate(layer.Activation, prefixSums[index] + restSums[index] + b);
                }
            }
        }
        return new Result(values, exact, ambiguous, stopped, prefixChannels, order);
    }

    private static float[] Masked(float[] weights, int m, int c, int taps, Func<int, bool> keep)
    {
        var masked = (float[])weights.Clone();
        for (int o = 0; o < m; o++)
            for (int i = 0; i < c; i++)
                if (!keep(i)) Array.Clear(masked, (o * c + i) * taps, taps);
        return masked;
    }
}
