using OnnxDyVE.Converters.Tests.Support;

namespace OnnxDyVE.Converters.Tests.Layers;

/// <summary>
/// Pooling through stock ONNX Runtime against Caffe's own loops, on the cases where ONNX's ceil_mode and
/// count_include_pad would differ: the rounded-up last window, its clipping when it would start in the end
/// padding, pads, stride larger than the kernel, and AVE divisors clipped to the padded bounds.
/// </summary>
public class PoolingTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Cases => new()
    {
        // h, w, kernel h, kernel w, stride h, stride w, pad h, pad w
        { 7, 7, 3, 3, 2, 2, 0, 0 },   // ceil: 3 windows where floor gives 3 too, no clip
        { 8, 8, 3, 3, 2, 2, 0, 0 },   // ceil adds a last window hanging over the edge
        { 6, 6, 3, 3, 2, 2, 1, 1 },   // padded; last window clipped to the padded bounds
        { 5, 5, 2, 2, 2, 2, 1, 1 },   // the clip rule drops a window that would start in the end padding
        { 5, 7, 3, 2, 2, 3, 1, 0 },   // unequal axes, pad on one axis only
        { 9, 9, 1, 1, 3, 3, 0, 0 },   // stride larger than the kernel
        { 10, 10, 2, 2, 4, 4, 0, 0 }, // stride > kernel with a last window past the input: Caffe's empty window
        { 4, 4, 4, 4, 1, 1, 0, 0 },   // kernel = input
        { 13, 13, 3, 3, 2, 2, 0, 0 }, // AlexNet/SqueezeNet's 3x3 stride 2
        { 32, 32, 3, 3, 2, 2, 0, 0 }, // cifar10's pools
        { 3, 3, 3, 3, 2, 2, 2, 2 },   // pad = kernel - 1: windows mostly padding
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxMatchesCaffe(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) => Check(h, w, kh, kw, sh, sw, ph, pw, max: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void AverageMatchesCaffe(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) => Check(h, w, kh, kw, sh, sw, ph, pw, max: false);

    /// <summary>A seeded sweep over small geometries, beyond the hand-picked cases: sizes, kernels, strides, every legal pad.</summary>
    [Fact]
    public void RandomGeometriesMatchCaffe()
    {
        var random = new Random(17);
        for (int i = 0; i < 120; i++)
        {
            int h = random.Next(1, 13), w = random.Next(1, 13), kh = random.Next(1, 5), kw = random.Next(1, 5);
            int ph = random.Next(kh), pw = random.Next(kw);
            if (h + 2 * ph < kh || w + 2 * pw < kw) continue;
            Check(h, w, kh, kw, random.Next(1, 5), random.Next(1, 5), ph, pw, max: i % 2 == 0);
        }
    }

    [Theory]
    [InlineData("MAX")]
    [InlineData("AVE")]
    public void GlobalPoolingMatchesCaffe(string method)
    {
        const int n = 2, c = 3, h = 5, w = 4;
        float[] x = OrtRunner.Seeded(3, n * c * h * w);
        var model = OrtRunner.Convert(Net(c, h, w, $"pool: {method} global_pooling: true"));
        (float[] actual, int[] shape) = OrtRunner.Run(model, x, [n, c, h, w]);
        (float[] expected, _, _) = CaffeReference.Pool(x, n, c, h, w, h, w, 1, 1, 0, 0, method == "MAX");
        Assert.Equal([n, c, 1, 1], shape);
        OrtRunner.AssertClose(expected, actual);
    }

    /// <summary>Where ONNX's own pool is exact it is used (it is faster); the edge cases get the exact construction.</summary>
    [Theory]
    [InlineData(32, "pool: AVE kernel_size: 3 stride: 2", "AveragePool")] // cifar10: last window clipped, no padding
    [InlineData(6, "pool: AVE kernel_size: 3 stride: 1 pad: 1", "AveragePool")] // every window full
    [InlineData(6, "pool: AVE kernel_size: 3 stride: 2 pad: 1", "Div")] // a window clipped by the padded bound
    [InlineData(13, "pool: MAX kernel_size: 3 stride: 2", "MaxPool")]
    [InlineData(9, "pool: MAX kernel_size: 1 stride: 3", "Pad")] // a last window beyond the input
    public void UsesOnnxsOwnPoolingWhereItIsExact(int size, string parameters, string expectedOp)
    {
        var model = OrtRunner.Convert(Net(2, size, size, parameters));
        Assert.Contains(expectedOp, model.Graph.Node.Select(n => n.OpType));
    }

    [Fact]
    public void PadOfAKernelOrMoreIsRejectedAsCaffeDoes()
    {
        var error = Assert.Throws<Caffe.CaffeFormatException>(() => OrtRunner.Convert(Net(1, 5, 5, "pool: MAX kernel_size: 2 pad: 2")));
        Assert.Contains("layer 'pool' (Pooling)", error.Message);
        Assert.Contains("smaller than kernel", error.Message);
    }

    private static void Check(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, bool max)
    {
        const int n = 2, c = 3;
        float[] x = OrtRunner.Seeded(h * 100 + w, n * c * h * w, -2f, 2f);
        string parameters = $"pool: {(max ? "MAX" : "AVE")} kernel_h: {kh} kernel_w: {kw} stride_h: {sh} stride_w: {sw} pad_h: {ph} pad_w: {pw}";
        var model = OrtRunner.Convert(Net(c, h, w, parameters));
        (float[] actual, int[] shape) = OrtRunner.Run(model, x, [n, c, h, w]);
        (float[] expected, int pooledH, int pooledW) = CaffeReference.Pool(x, n, c, h, w, kh, kw, sh, sw, ph, pw, max);
        Assert.Equal([n, c, pooledH, pooledW], shape);
        OrtRunner.AssertClose(expected, actual);
    }

    private static string Net(int c, int h, int w, string parameters) => $$"""
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: {{c}} dim: {{h}} dim: {{w}} } } }
        layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { {{parameters}} } }
        """;
}
