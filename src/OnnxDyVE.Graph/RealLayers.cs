namespace OnnxDyVE.Graph;

/// <summary>
/// Every distinct convolution of VGG-16 and SqueezeNet v1.0 at batch 1, each with its bias and the ReLU that
/// follows it, and VGG-16's fully connected layers: the shapes benchmarks and the demo run. Where a shape
/// repeats (VGG's conv3_3, SqueezeNet's fire3 expands, ...) only its first layer is listed. Names are benchmark
/// identities: never rename one, add a new one instead.
/// </summary>
public static class RealLayers
{
    private static readonly (string Name, ConvLayer Layer)[] s_convolutions =
    [
        // VGG-16: 3x3, pad 1, stride 1; each block's later convs repeat conv_2's shape, conv5_x all share conv5_1's.
        ("vgg.conv1_1", Square(3, 224, 64, 3, pad: 1)),
        ("vgg.conv1_2", Square(64, 224, 64, 3, pad: 1)),
        ("vgg.conv2_1", Square(64, 112, 128, 3, pad: 1)),
        ("vgg.conv2_2", Square(128, 112, 128, 3, pad: 1)),
        ("vgg.conv3_1", Square(128, 56, 256, 3, pad: 1)),
        ("vgg.conv3_2", Square(256, 56, 256, 3, pad: 1)),
        ("vgg.conv4_1", Square(256, 28, 512, 3, pad: 1)),
        ("vgg.conv4_2", Square(512, 28, 512, 3, pad: 1)),
        ("vgg.conv5_1", Square(512, 14, 512, 3, pad: 1)),

        // SqueezeNet v1.0 (squeezenet_v1.0_deploy.prototxt, input 3x227x227). Caffe pools round up, so the
        // 3x3/2 max pools take 111 -> 55 -> 27 -> 13.
        ("sqz.conv1", Square(3, 227, 96, 7, pad: 0, stride: 2)),
        ("sqz.fire2.squeeze1x1", Square(96, 55, 16, 1)),
        ("sqz.fire2.expand1x1", Square(16, 55, 64, 1)),
        ("sqz.fire2.expand3x3", Square(16, 55, 64, 3, pad: 1)),
        ("sqz.fire3.squeeze1x1", Square(128, 55, 16, 1)),
        ("sqz.fire4.squeeze1x1", Square(128, 55, 32, 1)),
        ("sqz.fire4.expand1x1", Square(32, 55, 128, 1)),
        ("sqz.fire4.expand3x3", Square(32, 55, 128, 3, pad: 1)),
        ("sqz.fire5.squeeze1x1", Square(256, 27, 32, 1)),
        ("sqz.fire5.expand1x1", Square(32, 27, 128, 1)),
        ("sqz.fire5.expand3x3", Square(32, 27, 128, 3, pad: 1)),
        ("sqz.fire6.squeeze1x1", Square(256, 27, 48, 1)),
        ("sqz.fire6.expand1x1", Square(48, 27, 192, 1)),
        ("sqz.fire6.expand3x3", Square(48, 27, 192, 3, pad: 1)),
        ("sqz.fire7.squeeze1x1", Square(384, 27, 48, 1)),
        ("sqz.fire8.squeeze1x1", Square(384, 27, 64, 1)),
        ("sqz.fire8.expand1x1", Square(64, 27, 256, 1)),
        ("sqz.fire8.expand3x3", Square(64, 27, 256, 3, pad: 1)),
        ("sqz.fire9.squeeze1x1", Square(512, 13, 64, 1)),
        ("sqz.fire9.expand1x1", Square(64, 13, 256, 1)),
        ("sqz.fire9.expand3x3", Square(64, 13, 256, 3, pad: 1)),
        // The v1.0 prototxt gives conv10 "pad: 1" although its kernel is 1x1, so its output is 15x15.
        ("sqz.conv10", Square(512, 13, 1000, 1, pad: 1)),
    ];

    private static readonly (string Name, GemmLayer Layer)[] s_fullyConnected =
    [
        ("vgg.fc6", new GemmLayer(1, 25088, 4096) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("vgg.fc7", new GemmLayer(1, 4096, 4096) { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Relu }),
        ("vgg.fc8", new GemmLayer(1, 4096, 1000) { TransB = true, Bias = GemmBiasShape.Row }),
    ];

    private static readonly Dictionary<string, ConvLayer> s_convolutionsByName = s_convolutions.ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);
    private static readonly Dictionary<string, GemmLayer> s_fullyConnectedByName = s_fullyConnected.ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);

    public static IEnumerable<string> ConvolutionNames => s_convolutions.Select(l => l.Name);

    public static ConvLayer Convolution(string name) =>
        s_convolutionsByName.TryGetValue(name, out ConvLayer? layer) ? layer : throw new ArgumentException($"no convolution named '{name}'", nameof(name));

    public static GemmLayer FullyConnected(string name) =>
        s_fullyConnectedByName.TryGetValue(name, out GemmLayer? layer) ? layer : throw new ArgumentException($"no fully connected layer named '{name}'", nameof(name));

    /// <summary>Y: N x M x Ho x Wo.</summary>
    public static long[] OutputShape(ConvLayer layer) =>
        [layer.Batch, layer.OutputChannels, OutputSize(layer.Height, layer.PadTop + layer.PadBottom, layer.KernelHeight, layer.StrideHeight, layer.DilationHeight),
            OutputSize(layer.Width, layer.PadLeft + layer.PadRight, layer.KernelWidth, layer.StrideWidth, layer.DilationWidth)];

    /// <summary>Multiplies and adds of the convolution, 2 x N x M x C/group x kH x kW x Ho x Wo; bias and ReLU are not counted.</summary>
    public static double FloatingPointOperations(ConvLayer layer)
    {
        long[] output = OutputShape(layer);
        return 2.0 * layer.Batch * layer.OutputChannels * (layer.InputChannels / layer.Group)
            * layer.KernelHeight * layer.KernelWidth * output[2] * output[3];
    }

    /// <summary>A compact description for the results table, e.g. "3x227x227 k7 s2 p0 -> 96x111x111".</summary>
    public static string Describe(ConvLayer layer)
    {
        long[] output = OutputShape(layer);
        return $"{layer.InputChannels}x{layer.Height}x{layer.Width} k{layer.KernelHeight} s{layer.StrideHeight} p{layer.PadTop} -> {output[1]}x{output[2]}x{output[3]}";
    }

    private static long OutputSize(int size, int pads, int kernel, int stride, int dilation) =>
        (size + pads - (dilation * (kernel - 1) + 1)) / stride + 1;

    private static ConvLayer Square(int inputChannels, int size, int outputChannels, int kernel, int pad = 0, int stride = 1) =>
        new(1, inputChannels, size, size, outputChannels, kernel, kernel)
        {
            PadTop = pad,
            PadLeft = pad,
            PadBottom = pad,
            PadRight = pad,
            StrideHeight = stride,
            StrideWidth = stride,
            HasBias = true,
            Activation = LayerActivation.Relu,
        };
}
