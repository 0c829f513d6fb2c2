using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// DyveConv in exact mode (fused ReLU) against ONNX Runtime's Conv + Relu, on every distinct conv layer of
/// VGG-16 and SqueezeNet v1.0, each alone in its own session with the same options, weights and input: planar one-node
/// models, where each side converts layouts its own way (<see cref="Perf_BlockedConv"/>: as inside a network).
/// </summary>
[Config(typeof(ExactConvConfig))]
public class Perf_ExactConv : ConvLayerPair
{
    protected override PreparedSession CreateStock(ConvLayer layer) => CreateSession(layer, LayerPaths.Reference);

    protected override PreparedSession CreateDyve(ConvLayer layer) => CreateSession(layer, LayerPaths.Dyve);

    private PreparedSession CreateSession(ConvLayer layer, LayerPaths path)
    {
        long[] inputShape = layer.InputShape();
        float[] input = LayerParameters.Uniform(new Random(InputSeed), LayerParameters.Count(inputShape));
        byte[] model = Google.Protobuf.MessageExtensions.ToByteArray(LayerModels.Conv(layer, WeightSeed, path));
        return new PreparedSession(model, Threads, input, inputShape);
    }
}
