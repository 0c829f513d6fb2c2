using OnnxDyVE.Converters.Tests.Support;

namespace OnnxDyVE.Converters.Tests.Layers;

/// <summary>Layers with learned blobs (Convolution, InnerProduct, BatchNorm, Scale) against hand-computed references.</summary>
public class LearnedLayerTests
{
    [Theory]
    // c, h, w, outputs, kh, kw, stride h, stride w, pad h, pad w, dilation, group, bias
    [InlineData(3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, true)]
    [InlineData(4, 9, 9, 6, 3, 2, 2, 1, 0, 1, 1, 2, true)]
    [InlineData(2, 8, 8, 2, 3, 3, 1, 1, 2, 2, 2, 1, false)]
    [InlineData(4, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 4, true)]
    public void ConvolutionMatchesReference(int c, int h, int w, int outputs, int kh, int kw, int sh, int sw, int ph, int pw, int dilation, int group, bool bias)
    {
        const int n = 2;
        float[] x = OrtRunner.Seeded(1, n * c * h * w);
        float[] weights = OrtRunner.Seeded(2, outputs * c / group * kh * kw);
        float[] biases = OrtRunner.Seeded(3, outputs);
        string prototxt = Net(c, h, w, "Convolution", $"convolution_param {{ num_output: {outputs} kernel_h: {kh} kernel_w: {kw} stride_h: {sh} stride_w: {sw} pad_h: {ph} pad_w: {pw} dilation: {dilation} group: {group} bias_term: {(bias ? "true" : "false")} }}");
        var model = OrtRunner.Convert(prototxt, new() { ["layer"] = bias ? [weights, biases] : [weights] });
        (float[] actual, int[] shape) = OrtRunner.Run(model, x, [n, c, h, w]);
        float[] expected = CaffeReference.Convolution(x, n, c, h, w, weights, bias ? biases : null, outputs, kh, kw, sh, sw, ph, pw, dilation, dilation, group, out int oh, out int ow);
        Assert.Equal([n, outputs, oh, ow], shape);
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void InnerProductMatchesReference(bool transpose, int axis)
    {
        const int n = 2, c = 3, h = 2, w = 4, outputs = 5;
        long k = axis == 1 ? c * h * w : h * w;
        float[] x = OrtRunner.Seeded(4, n * c * h * w);
        float[] weights = OrtRunner.Seeded(5, (int)k * outputs);
        float[] bias = OrtRunner.Seeded(6, outputs);
        var model = OrtRunner.Convert(Net(c, h, w, "InnerProduct", $"inner_product_param {{ num_output: {outputs} transpose: {(transpose ? "true" : "false")} axis: {axis} }}"),
            new() { ["layer"] = [weights, bias] });
        (float[] actual, int[] shape) = OrtRunner.Run(model, x, [n, c, h, w]);
        int rows = axis == 1 ? n : n * c;
        var expected = new float[rows * outputs];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < k; i++) sum += x[r * k + i] * (transpose ? weights[i * outputs + o] : weights[o * k + i]);
                expected[r * outputs + o] = (float)sum;
            }
        Assert.Equal(axis == 1 ? [n, outputs] : [n, c, outputs], shape);
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(2f)]
    [InlineData(0f)]
    public void BatchNormDividesByTheMovingAverageFactor(float factor)
    {
        const int n = 2, c = 3, h = 2, w = 2;
        float[] x = OrtRunner.Seeded(7, n * c * h * w, -3f, 3f);
        float[] mean = [0.5f, -1f, 2f], variance = [4f, 0.25f, 1f];
        var model = OrtRunner.Convert(Net(c, h, w, "BatchNorm", "batch_norm_param { eps: 0.001 }"), new() { ["layer"] = [mean, variance, [factor]] });
        (float[] actual, _) = OrtRunner.Run(model, x, [n, c, h, w]);
        float scale = factor == 0 ? 0 : 1 / factor;
        float[] expected = [.. x.Select((v, i) =>
        {
            int ch = i / (h * w) % c;
            return (v - mean[ch] * scale) / MathF.Sqrt(variance[ch] * scale + 0.001f);
        })];
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(1, 2, false)]
    [InlineData(2, -1, true)]
    public void ScaleMultipliesAndShiftsTheCoveredAxes(int axis, int numAxes, bool bias)
    {
        const int n = 2, c = 3, h = 2, w = 4;
        float[] x = OrtRunner.Seeded(8, n * c * h * w);
        int[] dims = [n, c, h, w];
        int end = numAxes == -1 ? 4 : axis + numAxes, covered = dims[axis..end].Aggregate(1, (a, b) => a * b), inner = dims[end..].Aggregate(1, (a, b) => a * b);
        float[] scale = OrtRunner.Seeded(9, covered), shift = OrtRunner.Seeded(10, covered);
        var model = OrtRunner.Convert(Net(c, h, w, "Scale", $"scale_param {{ axis: {axis} num_axes: {numAxes} bias_term: {(bias ? "true" : "false")} }}"),
            new() { ["layer"] = bias ? [scale, shift] : [scale] });
        (float[] actual, _) = OrtRunner.Run(model, x, [n, c, h, w]);
        float[] expected = [.. x.Select((v, i) => v * scale[i / inner % covered] + (bias ? shift[i / inner % covered] : 0f))];
        OrtRunner.AssertClose(expected, actual);
    }

    internal static string Net(int c, int h, int w, string type, string parameters) => $$"""
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: {{c}} dim: {{h}} dim: {{w}} } } }
        layer { name: "layer" type: "{{type}}" bottom: "data" top: "out" {{parameters}} }
        """;
}
