using OnnxDyVE.Converters.Tests.Support;
using static OnnxDyVE.Converters.Tests.Layers.LearnedLayerTests;

namespace OnnxDyVE.Converters.Tests.Layers;

/// <summary>Activations, Power, LRN, Softmax and Eltwise against Caffe's formulas on small seeded tensors.</summary>
public class ElementwiseLayerTests
{
    private const int N = 2, C = 5, H = 4, W = 3;
    private static readonly int[] s_shape = [N, C, H, W];
    private static readonly float[] s_x = OrtRunner.Seeded(11, N * C * H * W, -2f, 2f);

    [Theory]
    [InlineData("ReLU", "")]
    [InlineData("ReLU", "relu_param { negative_slope: 0.1 }")]
    [InlineData("Sigmoid", "")]
    [InlineData("TanH", "")]
    [InlineData("Power", "power_param { power: 2 scale: 0.5 shift: 3 }")]
    [InlineData("Power", "power_param { power: 0 }")]
    [InlineData("Power", "power_param { scale: 0 shift: 2 power: 3 }")]
    [InlineData("Power", "")]
    [InlineData("Dropout", "dropout_param { dropout_ratio: 0.3 }")]
    public void MatchesCaffe(string type, string parameters)
    {
        float slope = parameters.Contains("negative_slope") ? 0.1f : 0f;
        Func<float, float> caffe = (type, parameters) switch
        {
            ("ReLU", _) => v => Math.Max(v, 0) + slope * Math.Min(v, 0),
            ("Sigmoid", _) => v => 1f / (1f + MathF.Exp(-v)),
            ("TanH", _) => MathF.Tanh,
            ("Power", "") or ("Dropout", _) => v => v,
            ("Power", "power_param { power: 0 }") => _ => 1f,
            ("Power", "power_param { scale: 0 shift: 2 power: 3 }") => _ => 8f,
            _ => v => MathF.Pow(3 + 0.5f * v, 2),
        };
        (float[] actual, int[] shape) = OrtRunner.Run(OrtRunner.Convert(Net(C, H, W, type, parameters)), s_x, s_shape);
        Assert.Equal(s_shape, shape);
        OrtRunner.AssertClose([.. s_x.Select(caffe)], actual);
    }

    [Theory]
    [InlineData("ACROSS_CHANNELS", 3, 1f, 0.75f)]
    [InlineData("ACROSS_CHANNELS", 5, 2f, 0.75f)]
    [InlineData("WITHIN_CHANNEL", 3, 1f, 0.75f)]
    [InlineData("WITHIN_CHANNEL", 5, 1f, 0.75f)]
    [InlineData("WITHIN_CHANNEL", 3, 1f, 0.6f)]
    [InlineData("WITHIN_CHANNEL", 5, 1f, 1.5f)]
    public void LrnMatchesCaffe(string region, int size, float k, float beta)
    {
        const float alpha = 0.5f;
        string parameters = $"lrn_param {{ norm_region: {region} local_size: {size} alpha: {alpha} beta: {beta} k: {k} }}";
        (float[] actual, _) = OrtRunner.Run(OrtRunner.Convert(Net(C, H, W, "LRN", parameters)), s_x, s_shape);
        float[] expected = region == "ACROSS_CHANNELS"
            ? CaffeReference.LrnAcross(s_x, N, C, H, W, size, alpha, beta, k)
            : CaffeReference.LrnWithin(s_x, N, C, H, W, size, alpha, beta);
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(-2)]
    public void SoftmaxNormalisesAlongItsAxis(int axis)
    {
        (float[] actual, _) = OrtRunner.Run(OrtRunner.Convert(Net(C, H, W, "Softmax", $"softmax_param {{ axis: {axis} }}")), s_x, s_shape);
        int a = axis < 0 ? axis + 4 : axis;
        int inner = s_shape[(a + 1)..].Aggregate(1, (x, y) => x * y), extent = s_shape[a];
        var expected = new float[s_x.Length];
        for (int i = 0; i < s_x.Length; i++)
        {
            int outer = i / (inner * extent), position = i % inner;
            double max = Enumerable.Range(0, extent).Max(j => s_x[(outer * extent + j) * inner + position]);
            double sum = Enumerable.Range(0, extent).Sum(j => Math.Exp(s_x[(outer * extent + j) * inner + position] - max));
            expected[i] = (float)(Math.Exp(s_x[i] - max) / sum);
        }
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData("SUM", "")]
    [InlineData("SUM", "coeff: 0.5 coeff: -2 coeff: 1")]
    [InlineData("PROD", "")]
    [InlineData("MAX", "")]
    public void EltwiseCombinesThreeBottoms(string operation, string coefficients)
    {
        string prototxt = $$"""
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: {{C}} dim: {{H}} dim: {{W}} } } }
            layer { name: "a" type: "Power" bottom: "data" top: "a" power_param { scale: 2 } }
            layer { name: "b" type: "Power" bottom: "data" top: "b" power_param { shift: 1 } }
            layer { name: "sum" type: "Eltwise" bottom: "data" bottom: "a" bottom: "b" top: "out" eltwise_param { operation: {{operation}} {{coefficients}} } }
            """;
        (float[] actual, _) = OrtRunner.Run(OrtRunner.Convert(prototxt), s_x, s_shape);
        float[] c = coefficients == "" ? [1, 1, 1] : [0.5f, -2, 1];
        float[] expected = [.. s_x.Select(v => operation switch
        {
            "SUM" => c[0] * v + c[1] * (2 * v) + c[2] * (v + 1),
            "PROD" => v * (2 * v) * (v + 1),
            _ => Math.Max(v, Math.Max(2 * v, v + 1)),
        })];
        OrtRunner.AssertClose(expected, actual);
    }
}
