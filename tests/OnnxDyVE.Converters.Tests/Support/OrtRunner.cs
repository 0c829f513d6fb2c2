using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;

namespace OnnxDyVE.Converters.Tests.Support;

/// <summary>Converts small nets and runs them in stock ONNX Runtime.</summary>
internal static class OrtRunner
{
    /// <summary>Converts with the blobs given per layer name (none for layers without parameters).</summary>
    public static ModelProto Convert(string prototxt, Dictionary<string, float[][]>? blobs = null) =>
        CaffeConverter.Convert(CaffeNetReader.Read(prototxt, "test.prototxt"), new GivenWeights(blobs ?? []), new CaffeConversionOptions()).Model;

    /// <summary>The model's first output for one input; ORT's optimisations are off so the graph runs as converted.</summary>
    public static (float[] Values, int[] Shape) Run(ModelProto model, float[] input, int[] shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var tensor = new DenseTensor<float>(input, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), tensor)]);
        var output = results.First().AsTensor<float>();
        return ([.. output], [.. output.Dimensions]);
    }

    public static float[] Seeded(int seed, int count, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => low + (high - low) * random.NextSingle())];
    }

    /// <summary>Asserts every value within a relative tolerance of the larger magnitude (absolute near zero).</summary>
    public static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsInfinity(e) || e == float.MinValue)
            {
                Assert.True(e.Equals(a), $"index {i}: expected {e}, got {a}");
                continue;
            }
            float scale = Math.Max(1f, Math.Max(Math.Abs(e), Math.Abs(a)));
            Assert.True(Math.Abs(e - a) <= tolerance * scale, $"index {i}: expected {e}, got {a}");
        }
    }
}
