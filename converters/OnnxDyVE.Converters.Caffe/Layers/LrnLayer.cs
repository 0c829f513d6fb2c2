using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Graph;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// Caffe's LRN. ACROSS_CHANNELS is ONNX LRN term for term: x / (k + alpha / size * sum of squares)^beta.
/// WITHIN_CHANNEL has no ONNX operator; Caffe itself builds it from other layers (lrn_layer.cpp), and so does
/// this: x * (1 + alpha * AVE-pool(x^2, size x size, pad (size - 1) / 2, stride 1))^-beta, in the stock nodes of
/// <see cref="WithinChannelLrnSpelling"/> (the power without ONNX Runtime's scalar Pow).
/// </summary>
internal static class LrnLayer
{
    public static Tensor Convert(LayerContext context)
    {
        var p = context.Layer.LrnParam ?? new LRNParameter();
        Tensor input = context.Input4D();
        if (p.LocalSize % 2 == 0 || p.LocalSize > TensorLimits.MaxDimension) throw context.Error($"local_size {p.LocalSize} must be odd (as Caffe requires)");
        var graph = context.Graph;
        if (p.NormRegion == LRNParameter.Types.NormRegion.AcrossChannels)
        {
            string across = graph.Add("LRN", context.Name, context.Top, [input.Name],
                Int("size", p.LocalSize), Float("alpha", p.Alpha), Float("beta", p.Beta), Float("bias", p.K));
            return input with { Name = across };
        }
        // Caffe pools the squares with pad (size - 1) / 2 at stride 1, so every window, padding counted, has size x size
        // positions: ONNX's AveragePool with count_include_pad, as the shared spelling writes it.
        string output = graph.UniqueName(context.Top);
        foreach (var node in WithinChannelLrnSpelling.Nodes(input.Name, output, graph.UniqueName(context.Name), p.LocalSize, p.Alpha, p.Beta, 1f,
                     part => graph.UniqueName($"{context.Name}/{part}"), (part, value) => graph.Scalar($"{context.Name}/{part}", value)))
            graph.Graph.Node.Add(node);
        return input with { Name = output };
    }
}
