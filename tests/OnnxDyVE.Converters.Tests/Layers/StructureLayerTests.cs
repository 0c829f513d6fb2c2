using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Tests.Support;
using static OnnxDyVE.Converters.Tests.Layers.LearnedLayerTests;

namespace OnnxDyVE.Converters.Tests.Layers;

/// <summary>Concat, Split, Flatten, Reshape, in-place blobs, dropped and unsupported layers.</summary>
public class StructureLayerTests
{
    private const int N = 2, C = 3, H = 4, W = 2;
    private static readonly int[] s_shape = [N, C, H, W];
    private static readonly float[] s_x = OrtRunner.Seeded(21, N * C * H * W);

    [Theory]
    [InlineData("concat_param { axis: 1 }", 1)]
    [InlineData("concat_param { concat_dim: 2 }", 2)]
    [InlineData("concat_param { axis: -1 }", 3)]
    [InlineData("", 1)]
    public void ConcatJoinsAlongItsAxis(string parameters, int axis)
    {
        string prototxt = $$"""
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: {{C}} dim: {{H}} dim: {{W}} } } }
            layer { name: "twice" type: "Power" bottom: "data" top: "twice" power_param { scale: 2 } }
            layer { name: "cat" type: "Concat" bottom: "data" bottom: "twice" top: "out" {{parameters}} }
            """;
        (float[] actual, int[] shape) = OrtRunner.Run(OrtRunner.Convert(prototxt), s_x, s_shape);
        int[] expectedShape = [.. s_shape];
        expectedShape[axis] *= 2;
        Assert.Equal(expectedShape, shape);
        int inner = s_shape[(axis + 1)..].Aggregate(1, (a, b) => a * b), block = inner * s_shape[axis];
        float[] expected = [.. Enumerable.Range(0, s_x.Length * 2).Select(i =>
        {
            int outer = i / (2 * block), within = i % (2 * block);
            return within < block ? s_x[outer * block + within] : 2 * s_x[outer * block + within - block];
        })];
        OrtRunner.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData("", new[] { N, C * H * W })]
    [InlineData("flatten_param { axis: 2 }", new[] { N, C, H * W })]
    [InlineData("flatten_param { axis: 1 end_axis: 2 }", new[] { N, C * H, W })]
    public void FlattenMergesAxesKeepingValues(string parameters, int[] expectedShape)
    {
        (float[] actual, int[] shape) = OrtRunner.Run(OrtRunner.Convert(Net(C, H, W, "Flatten", parameters)), s_x, s_shape);
        Assert.Equal(expectedShape, shape);
        Assert.Equal(s_x, actual);
    }

    [Theory]
    [InlineData("shape { dim: 0 dim: -1 dim: 2 }", new[] { N, C * H, 2 })]
    [InlineData("shape { dim: 0 dim: 4 dim: 6 }", new[] { N, 4, 6 })]
    [InlineData("shape { dim: 2 dim: 2 } axis: 2 num_axes: 1", new[] { N, C, 2, 2, W })]
    [InlineData("shape { dim: -1 } axis: 1 num_axes: 2", new[] { N, C * H, W })]
    [InlineData("shape { dim: 1 } axis: 0 num_axes: 0", new[] { 1, N, C, H, W })]
    public void ReshapeFollowsCaffesZeroAndMinusOne(string parameters, int[] expectedShape)
    {
        string prototxt = $$"""
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{N}} dim: {{C}} dim: {{H}} dim: {{W}} } } }
            layer { name: "layer" type: "Reshape" bottom: "data" top: "out" reshape_param { {{parameters}} } }
            """;
        (float[] actual, int[] shape) = OrtRunner.Run(OrtRunner.Convert(prototxt), s_x, s_shape);
        Assert.Equal(expectedShape, shape);
        Assert.Equal(s_x, actual);
    }

    [Fact]
    public void InPlaceLayersChainThroughOneBlobName()
    {
        const string prototxt = """
            input: "data" input_shape { dim: 1 dim: 3 dim: 4 dim: 2 }
            layer { name: "scale" type: "Power" bottom: "data" top: "data" power_param { scale: -1 } }
            layer { name: "relu" type: "ReLU" bottom: "data" top: "data" }
            layer { name: "split" type: "Split" bottom: "data" top: "left" top: "right" }
            layer { name: "sum" type: "Eltwise" bottom: "left" bottom: "right" top: "sum" }
            layer { name: "drop" type: "Dropout" bottom: "sum" top: "sum" }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "sum" bottom: "label" top: "loss" }
            layer { name: "accuracy" type: "Accuracy" bottom: "sum" bottom: "label" top: "accuracy" include { phase: TEST } }
            """;
        var model = OrtRunner.Convert(prototxt);
        Assert.Single(model.Graph.Output);
        (float[] actual, _) = OrtRunner.Run(model, s_x, s_shape);
        Assert.Equal([.. s_x.Select(v => 2 * Math.Max(-v, 0))], actual);
    }

    [Fact]
    public void LayersOfTheTrainPhaseAreLeftOut()
    {
        const string prototxt = """
            input: "data" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 2
            layer { name: "train_only" type: "Power" bottom: "data" top: "data" power_param { scale: 5 } include { phase: TRAIN } }
            layer { name: "test_only" type: "Power" bottom: "data" top: "out" power_param { scale: 2 } exclude { phase: TRAIN } }
            """;
        (float[] actual, _) = OrtRunner.Run(OrtRunner.Convert(prototxt), s_x, s_shape);
        Assert.Equal([.. s_x.Select(v => 2 * v)], actual);
    }

    [Fact]
    public void AnUnsupportedLayerIsAnErrorNamingItAndItsType()
    {
        var error = Assert.Throws<CaffeFormatException>(() => OrtRunner.Convert(Net(C, H, W, "Deconvolution", "")));
        Assert.Equal("test.prototxt: layer 'layer' (Deconvolution): layer type 'Deconvolution' is not supported", error.Message);
    }

    [Fact]
    public void ABottomThatNothingProducesIsAnError()
    {
        const string prototxt = """
            input: "data" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 2
            layer { name: "relu" type: "ReLU" bottom: "missing" top: "out" }
            """;
        var error = Assert.Throws<CaffeFormatException>(() => OrtRunner.Convert(prototxt));
        Assert.Contains("layer 'relu' (ReLU) reads blob 'missing'", error.Message);
    }

    [Fact]
    public void ModelUsesOneOpsetAndAnUnknownBatch()
    {
        var model = OrtRunner.Convert(Net(C, H, W, "ReLU", ""));
        Assert.Equal(CaffeConverter.OpsetVersion, Assert.Single(model.OpsetImport).Version);
        Assert.False(model.Graph.Input[0].Type.TensorType.Shape.Dim[0].HasDimValue);
    }
}
