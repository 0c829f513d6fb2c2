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
        int plane = layer.Height * layer.Width;
        float[] input = LayerParameters.Uniform(new Random(40 + shape), LayerParameters.Count(layer.InputShape()));

        using var stock = new LayerSession(LayerModels.Conv(layer, seed: 50 + shape, LayerPaths.Reference), registerDyve: false);
        float[] expected = stock.Run(input, layer.InputShape(), LayerModels.ReferenceOutput)[0].Values;

        ModelProto model = LayerModels.Conv(layer, seed: 50 + shape, LayerPaths.Dyve);
        string node = $"winograd_{Guid.NewGuid():N}";
        model.Graph.Node[0].Name = node;
        model.Graph.Node[0].Attribute.Add(OnnxProto.String("input_layout", "NCHW16c"));
        model.Graph.Node[0].Attribute.Add(OnnxProto.String("output_layout", "NCHW16c"));
        long[] blockedShape = [layer.Batch, (layer.InputChannels + 15) / 16, layer.Height, layer.Width, 16];
        model.Graph.Input[0] = OnnxProto.FloatValue(LayerModels.Input, blockedShape);
        using var dyve = new LayerSession(model);
        float[] blocked = dyve.Run(BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, plane, float.NaN), blockedShape, LayerModels.DyveOutput)[0].Values;
        float[] actual = BlockedTensors.ToPlanar(blocked, layer.Batch, layer.OutputChannels, plane, node);
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
}
