using OnnxDyVE.Graph;

namespace OnnxDyVE.Cli.Demo;

/// <summary>The real layers (batch 1) of VGG-16 and SqueezeNet v1.0, the paper's benchmarks, that the demo runs.</summary>
internal static class DemoLayers
{
    public static IReadOnlyList<(string Name, ConvLayer Layer)> Convolutions { get; } =
        new[] { "vgg.conv1_2", "vgg.conv3_2", "vgg.conv4_2", "vgg.conv5_1", "sqz.conv1", "sqz.fire2.squeeze1x1", "sqz.fire4.expand3x3", "sqz.fire9.expand3x3", "sqz.conv10" }
            .Select(name => (name, RealLayers.Convolution(name))).ToList();

    public static IReadOnlyList<(string Name, GemmLayer Layer)> FullyConnected { get; } =
        new[] { "vgg.fc7", "vgg.fc8" }.Select(name => (name, RealLayers.FullyConnected(name))).ToList();
}
