using Onnx;
using OnnxDyVE.Models;

namespace OnnxDyVE.Evaluation;

/// <summary>
/// An ML.NET DNN image featurizer (Microsoft.ML.DnnImageFeaturizer.*: a network and a separate preprocessing model)
/// made into one model that carries its preprocessing (<see cref="Preprocessing.MetadataKey"/>), so that
/// <c>dyve eval</c>, <c>bench</c> and <c>calibrate</c> can feed it images.
/// </summary>
/// <remarks>
/// ML.NET feeds the preprocessing model the output of <c>ResizeImages(224, 224)</c> and <c>ExtractPixels()</c> with
/// its defaults: planes in R, G, B order, values 0-255, no offset or scale. The preprocessing model
/// (ResNetPreprocess.onnx, as shipped) splits the planes, concatenates them in another order and subtracts a mean
/// image (a 3 x 224 x 224 initializer): Caffe's convention, which <see cref="Preprocessing"/> expresses exactly.
/// The channel order is read from the Split and Concat, the mean from the Sub's initializer; anything else in the
/// preprocessing graph is refused rather than guessed.
/// </remarks>
public static class FeaturizerImport
{
    /// <summary>A copy of <paramref name="network"/> with the preprocessing that <paramref name="preprocess"/> performs in its metadata.</summary>
    /// <param name="resize">[H, W] ML.NET resizes every image to before the network (the featurizers' documented 224 x 224).</param>
    public static ModelProto Import(ModelProto network, ModelProto preprocess, int[] resize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(preprocess);
        Preprocessing preprocessing = Read(preprocess, resize);
        long[] input = ImageInput(network);
        if (!input.SequenceEqual(preprocessing.Input.Select(d => (long)d)))
            throw new InvalidDataException($"the network's image input is [{string.Join(", ", input)}], the preprocessing makes [{string.Join(", ", preprocessing.Input)}]");
        ModelProto result = network.Clone();
        for (int i = result.MetadataProps.Count - 1; i >= 0; i--)
            if (result.MetadataProps[i].Key == Preprocessing.MetadataKey) result.MetadataProps.RemoveAt(i);
        result.MetadataProps.Add(new StringStringEntryProto { Key = Preprocessing.MetadataKey, Value = preprocessing.ToJson() });
        return result;
    }

    /// <summary>What the preprocessing graph Split(RGB planes) -> Concat(some order) -> Sub(mean image) does, as <see cref="Preprocessing"/>.</summary>
    public static Preprocessing Read(ModelProto preprocess, int[] resize)
    {
        GraphProto graph = preprocess.Graph ?? throw new InvalidDataException("the preprocessing model has no graph");
        string[] ops = [.. graph.Node.Select(n => n.OpType)];
        if (!ops.SequenceEqual(["Split", "Concat", "Sub"]))
            throw new InvalidDataException($"expected a preprocessing graph Split -> Concat -> Sub, found {string.Join(" -> ", ops)}");
        NodeProto split = graph.Node[0], concat = graph.Node[1], sub = graph.Node[2];
        if (split.Output.Count != 3 || concat.Input.Count != 3 || !concat.Input.Order().SequenceEqual(split.Output.Order()))
            throw new InvalidDataException("the Concat must reorder the Split's three planes");
        if (sub.Input.Count != 2 || sub.Input[0] != concat.Output[0])
            throw new InvalidDataException("the Sub must subtract from the Concat's output");
        TensorProto mean = graph.Initializer.SingleOrDefault(t => t.Name == sub.Input[1])
            ?? throw new InvalidDataException($"the Sub's '{sub.Input[1]}' is not an initializer");
        int[] order = [.. concat.Input.Select(name => split.Output.IndexOf(name))];
        // ML.NET's ExtractPixels gives R, G, B planes: the Concat's order names the network's channels in those terms.
        ChannelOrder channels = order switch
        {
            [0, 1, 2] => ChannelOrder.Rgb,
            [2, 1, 0] => ChannelOrder.Bgr,
            _ => throw new InvalidDataException($"the Concat orders the planes {string.Join(",", order)}: neither RGB nor BGR"),
        };
        long[] dims = [.. mean.Dims.SkipWhile((d, i) => i == 0 && d == 1 && mean.Dims.Count == 4)];
        if (dims is not [3, var h, var w] || h <= 0 || w <= 0)
            throw new InvalidDataException($"the mean image is [{string.Join(", ", mean.Dims)}], expected [1, 3, H, W] or [3, H, W]");
        float[] values = Floats(mean, checked((int)(3 * h * w)));
        var result = new Preprocessing
        {
            ChannelOrder = channels,
            Input = [3, (int)h, (int)w],
            MeanImage = new MeanImage([3, (int)h, (int)w], values),
            Scale = 1f,
            Resize = resize,
        };
        result.Validate();
        return result;
    }

    private static float[] Floats(TensorProto tensor, int count)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float) throw new InvalidDataException("the mean image is not float32");
        float[] values = tensor.RawData.Length > 0
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : [.. tensor.FloatData];
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw tensor data is little-endian");
        if (values.Length != count) throw new InvalidDataException($"the mean image holds {values.Length} values, its dims need {count}");
        return values;
    }

    /// <summary>The dims of the network's one input that no initializer defaults (the image), batch included.</summary>
    private static long[] ImageInput(ModelProto network)
    {
        HashSet<string> initializers = [.. network.Graph.Initializer.Select(t => t.Name)];
        ValueInfoProto[] inputs = [.. network.Graph.Input.Where(i => !initializers.Contains(i.Name))];
        if (inputs.Length != 1) throw new InvalidDataException($"the network has {inputs.Length} inputs besides its initializers, expected one image");
        long[] dims = [.. inputs[0].Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : -1)];
        return dims.Length == 4 ? dims[1..] : dims;
    }
}
