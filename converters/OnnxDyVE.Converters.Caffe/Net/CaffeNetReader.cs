using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Text;

namespace OnnxDyVE.Converters.Caffe.Net;

/// <summary>Reads a prototxt into a <see cref="CaffeNet"/>: V1 or V2 layers, every input form, the TEST phase only.</summary>
public static class CaffeNetReader
{
    public static CaffeNet ReadFile(string path) => FromParameter(PrototxtParser.ParseFile<NetParameter>(path), path);

    public static CaffeNet Read(string text, string source) => FromParameter(PrototxtParser.Parse<NetParameter>(text, source), source);

    internal static CaffeNet FromParameter(NetParameter net, string source)
    {
        if (net.Layer.Count > 0 && net.Layers.Count > 0)
            throw new CaffeFormatException($"{source}: the net mixes 'layer' (V2) and legacy 'layers' (V1) entries");
        IEnumerable<LayerParameter> all = net.Layers.Count > 0 ? net.Layers.Select(V1LayerUpgrade.Upgrade) : net.Layer;
        var inputs = new List<CaffeInput>(NetLevelInputs(net, source));
        var layers = new List<LayerParameter>();
        var state = new PhaseRule(net.State);
        foreach (LayerParameter layer in all)
        {
            if (!state.Includes(layer)) continue;
            if (layer.Type == "Input") inputs.AddRange(InputLayerInputs(layer, source));
            else layers.Add(layer);
        }
        if (inputs.Count == 0) throw new CaffeFormatException($"{source}: the net declares no input (input + input_dim, input_shape, or an Input layer)");
        return new CaffeNet(net.Name, inputs, layers, source);
    }

    /// <summary>The deprecated net-level form: names in <c>input</c>, with one <c>input_shape</c> or four <c>input_dim</c> each.</summary>
    private static IEnumerable<CaffeInput> NetLevelInputs(NetParameter net, string source)
    {
        if (net.Input.Count == 0)
        {
            if (net.InputShape.Count > 0 || net.InputDim.Count > 0) throw new CaffeFormatException($"{source}: input_shape or input_dim given without input names");
            yield break;
        }
        if (net.InputShape.Count > 0 && net.InputDim.Count > 0) throw new CaffeFormatException($"{source}: give input_shape or input_dim, not both");
        if (net.InputShape.Count > 0)
        {
            if (net.InputShape.Count != net.Input.Count)
                throw new CaffeFormatException($"{source}: {net.Input.Count} input(s) but {net.InputShape.Count} input_shape(s)");
            for (int i = 0; i < net.Input.Count; i++) yield return new CaffeInput(net.Input[i], CheckedShape(net.InputShape[i].Dim, net.Input[i], source));
            yield break;
        }
        if (net.InputDim.Count != 4 * net.Input.Count)
            throw new CaffeFormatException($"{source}: {net.Input.Count} input(s) need {4 * net.Input.Count} input_dim values, found {net.InputDim.Count}");
        for (int i = 0; i < net.Input.Count; i++) yield return new CaffeInput(net.Input[i], CheckedShape(net.InputDim.Skip(4 * i).Take(4), net.Input[i], source));
    }

    /// <summary>An Input layer gives one shape per top, or one shape for all of them.</summary>
    private static IEnumerable<CaffeInput> InputLayerInputs(LayerParameter layer, string source)
    {
        var shapes = layer.InputParam?.Shape;
        if (shapes is null || (shapes.Count != 1 && shapes.Count != layer.Top.Count))
            throw new CaffeFormatException($"{source}: Input layer '{layer.Name}' needs one shape, or one per top ({layer.Top.Count}), in input_param");
        for (int i = 0; i < layer.Top.Count; i++)
            yield return new CaffeInput(layer.Top[i], CheckedShape(shapes[shapes.Count == 1 ? 0 : i].Dim, layer.Top[i], source));
    }

    private static long[] CheckedShape(IEnumerable<long> dims, string input, string source)
    {
        long[] shape = dims.ToArray();
        if (shape.Length == 0 || shape.Any(d => d <= 0 || d > TensorLimits.MaxDimension))
            throw new CaffeFormatException($"{source}: input '{input}' has shape [{string.Join(", ", shape)}]; every dimension must be in 1..{TensorLimits.MaxDimension}");
        TensorLimits.CheckedCount(shape, () => $"{source}: input '{input}'");
        return shape;
    }
}
