using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Models;

namespace OnnxDyVE.Evaluation;

/// <summary>
/// The ONNX graphs that turn image bytes into a model's input, as <see cref="Preprocessing"/> prescribes:
/// <see cref="Decode"/> (ONNX Runtime Extensions' DecodeImage: bytes to H x W x 3 BGR, uint8), then
/// <see cref="Normalize"/> (optional resize, centre crop, channel order, mean, scale) to 1 x C x h x w float.
/// </summary>
public static class PreprocessGraph
{
    /// <summary>ONNX Runtime Extensions' operator domain.</summary>
    public const string ExtensionsDomain = "com.microsoft.extensions";
    /// <summary>Opset 18: Resize with antialias off by default and Slice/Gather as used here.</summary>
    public const long OpsetVersion = 18;

    public const string BytesInput = "image_bytes";
    public const string PixelsOutput = "pixels";
    public const string PixelsInput = "pixels";
    public const string TensorOutput = "input";

    /// <summary>Bytes of an encoded image (PNG, JPEG, ...) to its pixels, H x W x 3 BGR (H x W x 1 for a grey image), uint8.</summary>
    public static ModelProto Decode()
    {
        var graph = new GraphProto { Name = "decode_image" };
        graph.Input.Add(OnnxProto.Value(BytesInput, TensorProto.Types.DataType.Uint8, [-1]));
        graph.Output.Add(OnnxProto.Value(PixelsOutput, TensorProto.Types.DataType.Uint8, [-1, -1, -1]));
        graph.Node.Add(OnnxProto.Node("DecodeImage", ExtensionsDomain, "decode", [BytesInput], [PixelsOutput], []));
        return Model(graph, withExtensions: true);
    }

    /// <summary>
    /// H x W x 3 BGR (or H x W x 1 grey, repeated into three equal channels, as OpenCV reads a grey image in
    /// colour) uint8 pixels to the model's 1 x C x h x w input. With <paramref name="resize"/>, pixels are first
    /// resized to the metadata's size (bilinear, half-pixel centres like OpenCV's INTER_LINEAR, rounded as a uint8
    /// image would be); then the centre h x w is cropped.
    /// </summary>
    public static ModelProto Normalize(Preprocessing preprocessing, bool resize)
    {
        int channels = preprocessing.Input[0], height = preprocessing.Input[1], width = preprocessing.Input[2];
        var graph = new GraphProto { Name = "normalize_image" };
        graph.Input.Add(OnnxProto.Value(PixelsInput, TensorProto.Types.DataType.Uint8, [-1, -1, -1]));
        graph.Output.Add(OnnxProto.FloatValue(TensorOutput, [1, channels, height, width]));
        var nodes = new NodeChain(graph, PixelsInput);

        nodes.Add("Cast", [], OnnxProto.Int("to", (long)TensorProto.Types.DataType.Float));
        nodes.Add("Transpose", [], OnnxProto.Ints("perm", 2, 0, 1));
        nodes.Add("Unsqueeze", [Constant(graph, OnnxProto.Int64Vector("batch_axis", 0))]);
        nodes.Add("Expand", [Constant(graph, OnnxProto.Int64Vector("three_channels", 1, 3, 1, 1))]);
        if (resize && preprocessing.Resize is [var resizeHeight, var resizeWidth])
        {
            string sizes = Constant(graph, OnnxProto.Int64Vector("resize_sizes", 1, 3, resizeHeight, resizeWidth));
            nodes.Add("Resize", ["", "", sizes], OnnxProto.String("mode", "linear"),
                OnnxProto.String("coordinate_transformation_mode", "half_pixel"));
            nodes.Add("Round", []);
            nodes.Add("Clip", [Constant(graph, OnnxProto.FloatScalar("pixel_min", 0)), Constant(graph, OnnxProto.FloatScalar("pixel_max", 255))]);
        }
        AddCentreCrop(graph, nodes, height, width);

        switch (preprocessing.ChannelOrder)
        {
            case ChannelOrder.Rgb:
                nodes.Add("Gather", [Constant(graph, OnnxProto.Int64Vector("bgr_to_rgb", 2, 1, 0))], OnnxProto.Int("axis", 1));
                break;
            case ChannelOrder.Gray:
                // OpenCV's (and so Caffe's) grey: 0.299 R + 0.587 G + 0.114 B, stored as uint8.
                string weights = Constant(graph, OnnxProto.FloatTensor("gray_weights", [1, 3, 1, 1], [0.114f, 0.587f, 0.299f]));
                nodes.Add("Conv", [weights]);
                nodes.Add("Round", []);
                break;
        }

        if (preprocessing.MeanValues is { } values)
            nodes.Add("Sub", [Constant(graph, OnnxProto.FloatTensor("mean_values", [1, channels, 1, 1], values))]);
        else if (preprocessing.MeanImage is { } mean)
            nodes.Add("Sub", [Constant(graph, OnnxProto.FloatTensor("mean_image", [1, channels, height, width], CentreCrop(mean, height, width)))]);
        if (preprocessing.Scale != 1f)
            nodes.Add("Mul", [Constant(graph, OnnxProto.FloatScalar("scale", preprocessing.Scale))]);
        nodes.Finish(TensorOutput);
        return Model(graph, withExtensions: false);
    }

    /// <summary>Slices the centre height x width of a 1 x 3 x H x W tensor, whatever H and W the image has.</summary>
    private static void AddCentreCrop(GraphProto graph, NodeChain nodes, int height, int width)
    {
        string image = nodes.Current;
        string crop = Constant(graph, OnnxProto.Int64Vector("crop_size", height, width));
        string two = Constant(graph, OnnxProto.Int64Vector("two", 2));
        graph.Node.Add(OnnxProto.Node("Shape", "", "image_shape", [image], ["image_shape"], [OnnxProto.Int("start", 2)]));
        graph.Node.Add(OnnxProto.Node("Sub", "", "crop_margin", ["image_shape", crop], ["crop_margin"], []));
        graph.Node.Add(OnnxProto.Node("Div", "", "crop_start", ["crop_margin", two], ["crop_start"], []));
        graph.Node.Add(OnnxProto.Node("Add", "", "crop_end", ["crop_start", crop], ["crop_end"], []));
        nodes.Add("Slice", ["crop_start", "crop_end", Constant(graph, OnnxProto.Int64Vector("crop_axes", 2, 3))]);
    }

    /// <summary>The centre height x width of each channel of a mean image at least that large (as Caffe crops it).</summary>
    private static float[] CentreCrop(MeanImage mean, int height, int width)
    {
        int channels = mean.Shape[0], meanHeight = mean.Shape[1], meanWidth = mean.Shape[2];
        int top = (meanHeight - height) / 2, left = (meanWidth - width) / 2;
        var cropped = new float[channels * height * width];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                mean.Values.AsSpan(((c * meanHeight) + top + y) * meanWidth + left, width)
                    .CopyTo(cropped.AsSpan(((c * height) + y) * width, width));
        return cropped;
    }

    private static string Constant(GraphProto graph, TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private static ModelProto Model(GraphProto graph, bool withExtensions)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "OnnxDyVE.Evaluation", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (withExtensions) model.OpsetImport.Add(new OperatorSetIdProto { Domain = ExtensionsDomain, Version = 1 });
        return model;
    }

    /// <summary>A straight chain of nodes, each reading the previous one's output first.</summary>
    private sealed class NodeChain(GraphProto graph, string input)
    {
        private int _count;

        public string Current { get; private set; } = input;

        public void Add(string opType, string[] extraInputs, params AttributeProto[] attributes)
        {
            string output = $"{opType.ToLowerInvariant()}_{_count++}";
            graph.Node.Add(OnnxProto.Node(opType, "", output, [Current, .. extraInputs], [output], attributes));
            Current = output;
        }

        /// <summary>Renames the last node's output to the graph's output.</summary>
        public void Finish(string output)
        {
            graph.Node[^1].Output[0] = output;
            Current = output;
        }
    }
}
