using Onnx;
using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// Caffe's Pooling with its exact output size and AVE divisors (see <see cref="PoolingAxis"/>), which ONNX's
/// ceil_mode and count_include_pad do not reproduce in every case. The graph pools in floor mode over an input
/// padded to exactly the windows Caffe visits: MAX with the pads attribute when ONNX Runtime accepts them
/// (each pad below the kernel), else an explicit Pad with -FLT_MAX (Caffe's initial maximum, so an empty
/// window gives what Caffe gives). AVE is ONNX's AveragePool where its divisor is Caffe's: every window full
/// (count_include_pad 1), or no padding, where Caffe divides by the input elements a window covers
/// (count_include_pad 0); anywhere else, a depthwise sum (Conv with ones) divided by a divisor map computed
/// here. Floor mode then yields exactly Caffe's windows: a window it would add fits the input, so Caffe's
/// rounding up has it too, and the window Caffe's clip rule drops starts past the input.
/// </summary>
internal static class PoolingLayer
{
    public static Tensor Convert(LayerContext context)
    {
        var p = context.Layer.PoolingParam ?? throw context.Error("pooling_param is missing");
        Tensor input = context.Input4D();
        if (p.Pool == PoolingParameter.Types.PoolMethod.Stochastic) throw context.Error("STOCHASTIC pooling is random at training and weighted at test; not supported");
        bool max = p.Pool == PoolingParameter.Types.PoolMethod.Max;
        if (p.GlobalPooling) return Global(context, p, input, max);
        var kernel = SpatialParameter.Resolve(context, "kernel", p.HasKernelSize ? [p.KernelSize] : [], p.HasKernelH ? p.KernelH : null, p.HasKernelW ? p.KernelW : null, null);
        var pad = SpatialParameter.Resolve(context, "pad", p.HasPad ? [p.Pad] : [], p.HasPadH ? p.PadH : null, p.HasPadW ? p.PadW : null, 0);
        var stride = SpatialParameter.Resolve(context, "stride", p.HasStride ? [p.Stride] : [], p.HasStrideH ? p.StrideH : null, p.HasStrideW ? p.StrideW : null, 1);
        if (kernel.Height < 1 || kernel.Width < 1 || stride.Height < 1 || stride.Width < 1) throw context.Error("kernel and stride must be at least 1");
        if (pad.Height >= kernel.Height || pad.Width >= kernel.Width) throw context.Error($"pad {pad.Height} x {pad.Width} must be smaller than kernel {kernel.Height} x {kernel.Width} (as Caffe requires)");
        bool anyPad = pad.Height > 0 || pad.Width > 0;
        var rows = new PoolingAxis(input.Shape[2], kernel.Height, stride.Height, pad.Height, anyPad);
        var columns = new PoolingAxis(input.Shape[3], kernel.Width, stride.Width, pad.Width, anyPad);
        if (rows.Output < 1 || columns.Output < 1) throw context.Error($"kernel {kernel.Height} x {kernel.Width} does not fit the padded input {input.Describe()}");
        return Pool(context, input, max, rows, columns, context.Top);
    }

    /// <summary>The pooling itself, shared with LRN's WITHIN_CHANNEL decomposition, which pools AVE the Caffe way.</summary>
    public static Tensor Pool(LayerContext context, Tensor input, bool max, PoolingAxis rows, PoolingAxis columns, string output)
    {
        bool full = FullWindowsOnly(rows, columns), unpadded = rows.Pad == 0 && columns.Pad == 0;
        bool divide = !max && !((full || unpadded) && PadsFitKernel(rows, columns));
        string pooledName = divide ? $"{context.Name}/sums" : output;
        string result = max ? Max(context, input, rows, columns, pooledName)
            : divide ? WindowSums(context, input, rows, columns, pooledName)
            : context.Graph.Add("AveragePool", context.Name, pooledName, [input.Name], [.. Window(rows, columns), Ints("pads", Pads(rows, columns)), Int("count_include_pad", full ? 1 : 0)]);
        if (divide)
            result = context.Graph.Add("Div", context.Name, output, [result, context.Graph.Floats($"{context.Name}/divisors", [1, 1, rows.Output, columns.Output], Divisors(rows, columns))]);
        return new Tensor(result, [input.Shape[0], input.Shape[1], rows.Output, columns.Output]);
    }

    private static Tensor Global(LayerContext context, PoolingParameter p, Tensor input, bool max)
    {
        if (p.HasKernelSize || p.HasKernelH || p.HasKernelW) throw context.Error("global_pooling takes no kernel size");
        if (p.Pad != 0 || p.PadH != 0 || p.PadW != 0 || p.Stride != 1 || p.StrideH > 1 || p.StrideW > 1)
            throw context.Error("global_pooling needs pad 0 and stride 1 (as Caffe requires)");
        string output = context.Graph.Add(max ? "GlobalMaxPool" : "GlobalAveragePool", context.Name, context.Top, [input.Name]);
        return new Tensor(output, [input.Shape[0], input.Shape[1], 1, 1]);
    }

    private static long[] Pads(PoolingAxis rows, PoolingAxis columns) =>
        [rows.Pad, columns.Pad, Math.Max(rows.EndPad, 0), Math.Max(columns.EndPad, 0)];

    /// <summary>ONNX Runtime rejects pool pads of a kernel or more; with smaller pads no window lies wholly in padding.</summary>
    private static bool PadsFitKernel(PoolingAxis rows, PoolingAxis columns) =>
        Pads(rows, columns) is [var top, var left, var bottom, var right]
        && top < rows.Kernel && bottom < rows.Kernel && left < columns.Kernel && right < columns.Kernel;

    private static AttributeProto[] Window(PoolingAxis rows, PoolingAxis columns) =>
        [Ints("kernel_shape", rows.Kernel, columns.Kernel), Ints("strides", rows.Stride, columns.Stride)];

    private static string Max(LayerContext context, Tensor input, PoolingAxis rows, PoolingAxis columns, string output)
    {
        var graph = context.Graph;
        long[] pads = Pads(rows, columns);
        if (PadsFitKernel(rows, columns)) return graph.Add("MaxPool", context.Name, output, [input.Name], [.. Window(rows, columns), Ints("pads", pads)]);
        string padded = graph.Add("Pad", context.Name, $"{context.Name}/padded",
            [input.Name, graph.Int64s($"{context.Name}/pads", 0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]), graph.Scalar($"{context.Name}/lowest", float.MinValue)]);
        return graph.Add("MaxPool", context.Name, output, [padded], Window(rows, columns));
    }

    /// <summary>The sum over each window (zero padding adds nothing): a depthwise convolution with a kernel of ones.</summary>
    private static string WindowSums(LayerContext context, Tensor input, PoolingAxis rows, PoolingAxis columns, string output)
    {
        var graph = context.Graph;
        long channels = input.Shape[1];
        context.CheckSize([channels, rows.Kernel, columns.Kernel], "window-sum kernel");
        var ones = new float[channels * rows.Kernel * columns.Kernel];
        Array.Fill(ones, 1f);
        string kernel = graph.Floats($"{context.Name}/ones", [channels, 1, rows.Kernel, columns.Kernel], ones);
        return graph.Add("Conv", context.Name, output, [input.Name, kernel], [.. Window(rows, columns), Ints("pads", Pads(rows, columns)), Int("group", channels)]);
    }

    private static bool FullWindowsOnly(PoolingAxis rows, PoolingAxis columns)
    {
        for (long i = 0; i < rows.Output; i++) if (rows.DivisorExtent(i) != rows.Kernel) return false;
        for (long j = 0; j < columns.Output; j++) if (columns.DivisorExtent(j) != columns.Kernel) return false;
        return true;
    }

    /// <summary>Caffe's pool_size per window: the product of the two extents, as Caffe multiplies them.</summary>
    private static float[] Divisors(PoolingAxis rows, PoolingAxis columns)
    {
        var divisors = new float[rows.Output * columns.Output];
        for (long i = 0; i < rows.Output; i++)
            for (long j = 0; j < columns.Output; j++) divisors[i * columns.Output + j] = rows.DivisorExtent(i) * columns.DivisorExtent(j);
        return divisors;
    }
}
