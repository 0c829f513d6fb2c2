using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Weights;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// Caffe's Convolution as ONNX Conv: both floor the output size, pad symmetrically and lay weights out as
/// [out, in / group, kh, kw], so the mapping is one to one.
/// </summary>
internal static class ConvolutionLayer
{
    public static Tensor Convert(LayerContext context)
    {
        var p = context.Layer.ConvolutionParam ?? throw context.Error("convolution_param is missing");
        if (p.Axis != 1) throw context.Error($"axis {p.Axis} is not supported (channels must be axis 1)");
        Tensor input = context.Input4D();
        var kernel = SpatialParameter.Resolve(context, "kernel", p.KernelSize, p.HasKernelH ? p.KernelH : null, p.HasKernelW ? p.KernelW : null, null);
        var pad = SpatialParameter.Resolve(context, "pad", p.Pad, p.HasPadH ? p.PadH : null, p.HasPadW ? p.PadW : null, 0);
        var stride = SpatialParameter.Resolve(context, "stride", p.Stride, p.HasStrideH ? p.StrideH : null, p.HasStrideW ? p.StrideW : null, 1);
        var dilation = SpatialParameter.Resolve(context, "dilation", p.Dilation, null, null, 1);
        long channels = input.Shape[1], outputs = p.NumOutput, group = p.Group;
        if (kernel.Height < 1 || kernel.Width < 1 || stride.Height < 1 || stride.Width < 1 || dilation.Height < 1 || dilation.Width < 1)
            throw context.Error("kernel, stride and dilation must be at least 1");
        if (outputs < 1 || group < 1 || channels % group != 0 || outputs % group != 0)
            throw context.Error($"num_output {outputs} and the {channels} input channels must both be divisible by group {group}");
        long height = OutputSize(context, input.Shape[2], kernel.Height, pad.Height, stride.Height, dilation.Height);
        long width = OutputSize(context, input.Shape[3], kernel.Width, pad.Width, stride.Width, dilation.Width);

        long fanIn = channels / group * kernel.Height * kernel.Width;
        var weightsSpec = new BlobSpec(BlobRole.Weights, [outputs, channels / group, kernel.Height, kernel.Width], fanIn);
        IReadOnlyList<float[]> blobs = p.BiasTerm
            ? context.TakeBlobs(weightsSpec, new BlobSpec(BlobRole.Bias, [outputs]))
            : context.TakeBlobs(weightsSpec);
        var graph = context.Graph;
        List<string> inputs = [input.Name, graph.Floats($"{context.Name}/weights", weightsSpec.Shape, blobs[0])];
        if (p.BiasTerm) inputs.Add(graph.Floats($"{context.Name}/bias", [outputs], blobs[1]));
        string output = graph.Add("Conv", context.Name, context.Top, [.. inputs],
            Ints("kernel_shape", kernel.Height, kernel.Width),
            Ints("pads", pad.Height, pad.Width, pad.Height, pad.Width),
            Ints("strides", stride.Height, stride.Width),
            Ints("dilations", dilation.Height, dilation.Width),
            Int("group", group));
        return new Tensor(output, [input.Shape[0], outputs, height, width]);
    }

    private static long OutputSize(LayerContext context, long input, int kernel, int pad, int stride, int dilation)
    {
        long extent = (long)dilation * (kernel - 1) + 1;
        long output = (input + 2L * pad - extent) / stride + 1;
        if (input + 2L * pad < extent) throw context.Error($"kernel extent {extent} is larger than the padded input {input + 2L * pad}");
        return output;
    }
}
