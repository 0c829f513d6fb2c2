using BenchmarkDotNet.Attributes;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// DyveConv in exact mode on blocked maps against ONNX Runtime's own NCHWc Conv node (MLAS's kernel, the node its
/// optimizer makes of the layer on this CPU) on the same blocked input (<see cref="BlockedLayer"/>): every distinct conv
/// layer of VGG-16 and SqueezeNet v1.0 as the two run inside a network, with no layout conversion on either side
/// (<see cref="Perf_ExactConv"/> measures the planar one-node models, where each side converts in its own way).
/// AVX-512 only (ONNX Runtime's 16-channel blocks).
/// </summary>
[Config(typeof(ExactConvConfig))]
public class Perf_BlockedConv : ConvLayerPair
{
    protected override PreparedSession CreateStock(ConvLayer layer)
    {
        BlockedLayer blocked = BlockedLayer.Create(layer, WeightSeed, InputSeed);
        return new PreparedSession(blocked.Stock, Threads, blocked.Input, blocked.StockInputShape);
    }

    protected override PreparedSession CreateDyve(ConvLayer layer)
    {
        BlockedLayer blocked = BlockedLayer.Create(layer, WeightSeed, InputSeed);
        return new PreparedSession(blocked.Dyve, Threads, blocked.Input, blocked.DyveInputShape);
    }
}
