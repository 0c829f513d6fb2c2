using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Harness;

public class BlockedLayerTests
{
    /// <summary>
    /// ONNX Runtime's NCHWc node cut out of its optimized model and DyveConv on blocked maps compute the layer: both equal
    /// the planar Conv (+ ReLU) laid out in blocks, padding channels zero, on a 1x1 layer, a padded 3x3 one and a first
    /// layer of three planar channels (which ONNX Runtime's node reads planar).
    /// </summary>
    [Theory]
    [InlineData(96, 9, 11, 20, 1, true)]
    [InlineData(32, 10, 12, 48, 3, true)]
    [InlineData(3, 16, 16, 64, 3, false)]
    public void Both_nodes_compute_the_layer_on_blocked_maps(int channels, int height, int width, int outputs, int kernel, bool inputBlocked)
    {
        int pad = kernel / 2;
        var layer = new ConvLayer(1, channels, height, width, outputs, kernel, kernel)
        {
            PadTop = pad, PadLeft = pad, PadBottom = pad, PadRight = pad, HasBias = true, Activation = LayerActivation.Relu,
        };
        if (!Avx512F.IsSupported)
        {
            Assert.Throws<InvalidOperationException>(() => BlockedLayer.Create(layer, weightSeed: 3, inputSeed: 4));
            return;
        }
        BlockedLayer blocked = BlockedLayer.Create(layer, weightSeed: 3, inputSeed: 4);
        Assert.Equal(inputBlocked, blocked.InputBlocked);

        float[] planarInput = LayerParameters.Uniform(new Random(4), LayerParameters.Count(layer.InputShape()));
        using var planar = new PreparedSession(Google.Protobuf.MessageExtensions.ToByteArray(LayerModels.Conv(layer, 3, LayerPaths.Reference)),
            1, planarInput, layer.InputShape());
        float[] expected = BlockedTensors.FromPlanar(planar.Output.ToArray(), 1, outputs, height * width, 0f);
        using var stock = new PreparedSession(blocked.Stock, 1, blocked.Input, blocked.StockInputShape);
        using var dyve = new PreparedSession(blocked.Dyve, 1, blocked.Input, blocked.DyveInputShape);
        OutputComparison.AssertClose(expected, stock.Output, $"NCHWc node, {layer}");
        OutputComparison.AssertClose(expected, dyve.Output, $"DyveConv, {layer}");
    }
}
