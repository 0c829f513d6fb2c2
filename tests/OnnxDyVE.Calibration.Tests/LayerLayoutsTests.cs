using Onnx;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="LayerLayouts"/> on cifar10_quick: a mechanism switched on in conv2 makes its maps planar, and with them
/// conv3's input (read through an average pool), so a calibration step on conv2 is charged with conv3's cost too;
/// conv1 still writes blocked maps (the max pool after it reads them whatever it writes).
/// </summary>
public sealed class LayerLayoutsTests
{
    [Fact]
    public void A_mechanism_makes_its_layer_and_the_neighbours_that_lose_blocked_maps_change()
    {
        if (RealModel.Load("cifar10_quick") is not { } model) return;
        ModelProto exact = BlockedLayout.Remove(model.Dyve);
        ModelProto sdss = exact.Clone();
        SdssNodes.SetFloat(sdss.Graph.Node.Single(n => n.Name == "conv2/Conv"), DyveSchema.SdssDelta, 0.5f);

        IReadOnlyDictionary<string, string> before = LayerLayouts.Of(BlockedLayout.Apply(exact, out _, fuseSiblings: false));
        IReadOnlyDictionary<string, string> after = LayerLayouts.Of(BlockedLayout.Apply(sdss, out _, fuseSiblings: false));

        Assert.Equal("NCHW -> NCHW16c", before["conv1/Conv"]);
        Assert.Equal("NCHW16c -> NCHW16c", before["conv2/Conv"]);
        Assert.Equal("NCHW16c -> NCHW16c", before["conv3/Conv"]);
        Assert.Equal("NCHW -> NCHW", after["conv2/Conv"]);
        Assert.Equal("NCHW -> NCHW16c", after["conv3/Conv"]);
        Assert.Equal(["conv2/Conv", "conv3/Conv"], LayerLayouts.Changed(before, after).Order());
        Assert.Empty(LayerLayouts.Changed(before, before));
    }

    [Fact]
    public void A_residual_add_inside_a_convolution_and_a_new_node_count_as_changes()
    {
        var before = new Dictionary<string, string> { ["a"] = "NCHW16c -> NCHW16c", ["b"] = "NCHW16c -> NCHW16c + residual" };
        var after = new Dictionary<string, string> { ["a"] = "NCHW16c -> NCHW16c", ["b"] = "NCHW16c -> NCHW16c", ["c"] = "NCHW -> NCHW" };
        Assert.Equal(["b", "c"], LayerLayouts.Changed(before, after).Order());
    }
}
