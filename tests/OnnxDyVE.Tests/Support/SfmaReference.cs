using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// SFMA's near-uniform maps written out from the rule, in double precision: a map (image, input channel) whose
/// standard deviation over its own values is at most the threshold is left out of the convolution, and its mean times
/// the sum of its weights over the taps is added to every output of each output channel it feeds, borders included
/// (where a real convolution would read the padding's zeros instead of the mean).
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

    /// <summary>The convolution (N x M x Ho x Wo) with the maps marked <paramref name="folded"/> folded into the bias.</summary>
    public static double[] Conv(ConvLayer layer, float[] input, float[] weights, float[]? bias, bool[] folded, (double Mean, double Deviation)[] moments)
    {
        int plane = layer.Height * layer.Width;
        var live = (float[])input.Clone();
        for (int map = 0; map < folded.Length; map++)
            if (folded[map]) Array.Clear(live, map * plane, plane);
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
