using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// A DyveConv between blocked maps that runs Winograd's tiles (3 x 3 or 5 x 5, stride 1, 16 to 256 input channels, on
/// AVX-512) computes, inside ONNX Runtime, what ORT's own Conv does on the same weights, within the tests' one
/// tolerance; and its statistics say 16 products per tile where the direct convolution has 36 (5 x 5: 36 where it has 100;
/// 4 x 4 tiles where the session's shapes give large maps: 36 where it has 144), partial tiles included.
/// </summary>
public sealed class WinogradOperatorTests
{
    public static TheoryData<int> Layers() => new(Enumerable.Range(0, Shapes.Length));

    private static readonly ConvLayer[] Shapes =
    [
        new(1, 32, 12, 12, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 48, 10, 16, 32, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Activation = LayerActivation.Clip(0f, 6f) },
        // cifar10_quick's conv2, and a 5 x 5 layer with two images and a last panel of 48 channels.
        new(1, 32, 16, 16, 32, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 40, 8, 10, 112, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true },
        // Odd maps: a last row and column of half tiles.
        new(1, 64, 13, 13, 128, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        // Maps the session knows to be large: F(4 x 4, 3 x 3), 36 products per 4 x 4 tile; and on 27 x 27, partial tiles.
        new(1, 32, 28, 28, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 48, 27, 27, 32, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Activation = LayerActivation.LeakyRelu(0.1f) },
    ];

    [Theory]
    [MemberData(nameof(Layers))]
    public void Matches_onnx_runtime_between_blocked_maps(int shape)
    {
        if (SimdPaths.Best < SimdPath.Vector512) return;
        ConvLayer layer = Shapes[shape];
        float[] input = LayerParameters.Uniform(new Random(40 + shape), LayerParameters.Count(layer.InputShape()));
        float[] expected = Stock(layer, shape, input);
        using var dyve = new LayerSession(BlockedModel(layer, shape, out string node, out long[] blockedShape));
        float[] actual = RunBlocked(dyve, layer, input, blockedShape, node);
        OutputComparison.AssertClose(expected, actual, $"shape {shape}: {layer}");

        CounterValues counters = Assert.Single(dyve.Statistics()).Counters;
        // Every shape here keeps its maps' size, which the session knows when it makes the kernel (the tile follows it); a
        // last row and column of partial tiles are multiplied whole.
        int tile = WinogradTiles.TileFor(KernelSpecs.ToConvSpec(layer), (layer.Height, layer.Width));
        long points = (tile + layer.KernelHeight - 1) * (tile + layer.KernelWidth - 1), taps = layer.KernelHeight * layer.KernelWidth;
        long tiles = (long)layer.Batch * ((layer.Height + tile - 1) / tile) * ((layer.Width + tile - 1) / tile), pairs = (long)layer.InputChannels * layer.OutputChannels;
        Assert.Equal(points * tiles * pairs, counters.ExecutedMacs);
        Assert.Equal((long)layer.Batch * layer.Height * layer.Width * taps * pairs, counters.DenseMacs);
    }

    /// <summary>
    /// At one intra-op thread the node plans for one thread once its runs have shown ORT's pool leaving every task on the
    /// calling thread (<see cref="OnnxDyVE.Operators.PoolWidth"/>): a lone chunk then stays whole (cifar10's conv2, whose
    /// maps make one chunk of one panel). Every run's output is the first run's, bit for bit, at one and two threads.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Runs_the_same_whether_it_plans_for_one_thread_or_two(int threads)
    {
        if (SimdPaths.Best < SimdPath.Vector512) return;
        const int shape = 2;
        ConvLayer layer = Shapes[shape];
        float[] input = LayerParameters.Uniform(new Random(60 + threads), LayerParameters.Count(layer.InputShape()));
        float[] expected = Stock(layer, shape, input);
        using var dyve = new LayerSession(BlockedModel(layer, shape, out string node, out long[] blockedShape), threads: threads);
        float[] first = RunBlocked(dyve, layer, input, blockedShape, node);
        OutputComparison.AssertClose(expected, first, $"{threads} threads: {layer}");
        for (int run = 1; run < 2 * OnnxDyVE.Operators.PoolWidth.SerialRuns + 4; run++)
            Assert.Equal(first, RunBlocked(dyve, layer, input, blockedShape, node));
    }

    private static float[] Stock(ConvLayer layer, int shape, float[] input)
    {
        using var stock = new LayerSession(LayerModels.Conv(layer, seed: 50 + shape, LayerPaths.Reference), registerDyve: false);
        return stock.Run(input, layer.InputShape(), LayerModels.ReferenceOutput)[0].Values;
    }

    /// <summary>The layer as one DyveConv node between blocked maps.</summary>
    private static ModelProto BlockedModel(ConvLayer layer, int shape, out string node, out long[] blockedShape)
    {
        ModelProto model = LayerModels.Conv(layer, seed: 50 + shape, LayerPaths.Dyve);
        node = $"winograd_{Guid.NewGuid():N}";
        model.Graph.Node[0].Name = node;
        model.Graph.Node[0].Attribute.Add(OnnxProto.String("input_layout", "NCHW16c"));
        model.Graph.Node[0].Attribute.Add(OnnxProto.String("output_layout", "NCHW16c"));
        blockedShape = [layer.Batch, (layer.InputChannels + 15) / 16, layer.Height, layer.Width, 16];
        model.Graph.Input[0] = OnnxProto.FloatValue(LayerModels.Input, blockedShape);
        return model;
    }

    /// <summary>Planar <paramref name="input"/> through the blocked model, its output planar again.</summary>
    private static float[] RunBlocked(LayerSession dyve, ConvLayer layer, float[] input, long[] blockedShape, string node)
    {
        int plane = layer.Height * layer.Width;
        float[] blocked = dyve.Run(BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN), blockedShape, LayerModels.DyveOutput)[0].Values;
        return BlockedTensors.ToPlanar(blocked, layer.Batch, layer.OutputChannels, plane, node);
    }
}
