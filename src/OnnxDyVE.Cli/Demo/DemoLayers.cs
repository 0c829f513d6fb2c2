using OnnxDyVE.Graph;

namespace OnnxDyVE.Cli.Demo;

/// <summary>Real layer shapes (batch 1) from VGG-16 and SqueezeNet v1.0, the paper's benchmarks.</summary>
internal static class DemoLayers
{
    public static IReadOnlyList<(string Name, ConvLayer Layer)> Convolutions { get; } =
    [
        ("vgg16.conv1_2", Vgg(64, 64, 224)),
        ("vgg16.conv3_2", Vgg(256, 256, 56)),
        ("vgg16.conv4_2", Vgg(512, 512, 28)),
        ("vgg16.conv5_1", Vgg(512, 512, 14)),
        ("squeezenet.conv1", new ConvLayer(1, 3, 227, 227, 96, 7, 7) { StrideHeight = 2, StrideWidth = 2, HasBias = true, Activation = LayerActivation.Relu }),
        ("squeezenet.fire2.squeeze1x1", new ConvLayer(1, 96, 55, 55, 16, 1, 1) { HasBias = true, Activation = LayerActivation.Relu }),
        ("squeezenet.fire4.expand3x3", Vgg(32, 128, 55)),
        ("squeezenet.fire9.expand3x3", Vgg(64, 256, 13)),
        ("squeezenet.conv10", new ConvLayer(1, 512, 13, 13, 1000, 1, 1) { HasBias = true, Activation = LayerActivation.Relu }),
    ];

    public static IReadOnlyList<(string Name, GemmLayer Layer)> FullyConnected { get; } =
    [
        ("vgg16.fc7", new GemmLayer(1, 4096, 4096) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("vgg16.fc8", new GemmLayer(1, 4096, 1000) { TransB = true, Bias = GemmBiasShape.Row }),
    ];

    private static ConvLayer Vgg(int input, int output, int size) =>
        new(1, input, size, size, output, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };
}
