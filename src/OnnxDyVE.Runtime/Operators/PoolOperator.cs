using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Pool;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>A pool over a blocked X, Y blocked or planar: ONNX MaxPool's or AveragePool's attributes plus the layouts.</summary>
internal abstract class PoolOperator : DyveOperator
{
    public override int InputCount => 1;
    public override bool IsOptional(int input) => false;

    /// <summary>What the pool takes of a window.</summary>
    protected abstract PoolKind Kind { get; }

    public override IDyveKernel CreateKernel(KernelInfo info) =>
        new PoolOperatorKernel(info.NodeName(), Name, new PoolKernel(Read(info), SimdPaths.Best));

    public override void InferShape(ShapeInference context)
    {
        var x = context.Input(0) ?? throw new ArgumentException("input X is missing");
        PoolSpec spec = Read(context);
        var input = MapShape.Read(x.Shape, MapLayout.Blocked, spec.Channels, "X");
        long[] output = [input.Batch, spec.Channels, -1, -1];
        if (input.Height > 0 && input.Width > 0)
            (output[2], output[3]) = spec.OutputSize(checked((int)input.Height), checked((int)input.Width));
        context.SetOutput(0, OrtElementType.Float, MapShape.Dimensions(spec.OutputLayout, output[0], output[1], output[2], output[3]));
    }

    /// <summary>The node's pool; throws <see cref="ArgumentException"/> naming the attribute at fault.</summary>
    private PoolSpec Read(IAttributeSource attributes)
    {
        long[] kernel = attributes.GetInts("kernel_shape") ?? throw new ArgumentException("attribute 'kernel_shape' is required");
        if (kernel.Length != 2) throw new ArgumentException($"attribute 'kernel_shape' has {kernel.Length} values; {Name} pools 2-D maps");
        long[] strides = attributes.GetInts("strides") ?? [1, 1];
        if (strides.Length != 2) throw new ArgumentException($"attribute 'strides' has {strides.Length} values; a 2-D pool takes 2");
        long[] pads = attributes.GetInts("pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4) throw new ArgumentException($"attribute 'pads' has {pads.Length} values; a 2-D pool takes 4 [top, left, bottom, right]");
        if (attributes.GetString("auto_pad") is { } autoPad and not ("NOTSET" or ""))
            throw new ArgumentException($"attribute 'auto_pad' is '{autoPad}'; {Name} takes explicit pads (NOTSET)");
        if ((attributes.GetInt("ceil_mode") ?? 0) != 0) throw new ArgumentException($"attribute 'ceil_mode' must be 0: {Name} rounds down");
        if ((attributes.GetInt("storage_order") ?? 0) != 0) throw new ArgumentException("attribute 'storage_order' must be 0");
        if (attributes.GetInts("dilations") is { } dilations && Array.Exists(dilations, d => d != 1))
            throw new ArgumentException($"attribute 'dilations' [{string.Join(", ", dilations)}]: {Name} does not dilate");
        // 0 or 1 here; that a max pool has none, PoolSpec.Validate says.
        long countIncludePad = attributes.GetInt("count_include_pad") ?? 0;
        if (countIncludePad is not (0 or 1)) throw new ArgumentException($"attribute 'count_include_pad' is {countIncludePad}; expected 0 or 1");
        if (attributes.GetString(DyveSchema.InputLayout) != DyveSchema.Layouts.Blocked)
            throw new ArgumentException($"attribute '{DyveSchema.InputLayout}' must be {DyveSchema.Layouts.Blocked}: {Name} reads blocked maps");
        MapLayout outputLayout = LayoutAttribute.Read(attributes, DyveSchema.OutputLayout);
        long channels = attributes.GetInt(DyveSchema.Channels) ?? throw new ArgumentException($"attribute '{DyveSchema.Channels}' is required");
        var spec = new PoolSpec(Int(channels, DyveSchema.Channels), Int(kernel[0], "kernel_shape"), Int(kernel[1], "kernel_shape"), Int(strides[0], "strides"), Int(strides[1], "strides"),
            Int(pads[0], "pads"), Int(pads[1], "pads"), Int(pads[2], "pads"), Int(pads[3], "pads"), outputLayout, Kind, countIncludePad == 1);
        spec.Validate();
        return spec;
    }

    private static int Int(long value, string name) =>
        value is >= 0 and <= int.MaxValue / 4 ? (int)value : throw new ArgumentException($"attribute '{name}' value {value} is out of range");
}

/// <summary>DyveMaxPool (<see cref="DyveSchema.MaxPoolOp"/>): ONNX MaxPool over a blocked X.</summary>
internal sealed class MaxPoolOperator : PoolOperator
{
    public override string Name => DyveSchema.MaxPoolOp;
    protected override PoolKind Kind => PoolKind.Max;
}

/// <summary>DyveAveragePool (<see cref="DyveSchema.AveragePoolOp"/>): ONNX AveragePool over a blocked X.</summary>
internal sealed class AveragePoolOperator : PoolOperator
{
    public override string Name => DyveSchema.AveragePoolOp;
    protected override PoolKind Kind => PoolKind.Average;
}

/// <summary>A pool node's kernel, bound to ORT's tensors and thread pool.</summary>
internal sealed unsafe class PoolOperatorKernel(string nodeName, string opName, PoolKernel kernel) : MapTasksKernel<PoolKernel, PoolWork>(nodeName, kernel)
{
    public override string OpName { get; } = opName;

    protected override PoolWork Plan(KernelContext context, Span<long> shape, out float* x, out float* y, out int tasks)
    {
        MapShape input = TensorChecks.Maps(context, shape, MapLayout.Blocked, Kernel.Spec.Channels, $"{OpName} takes N x C/16 x H x W x 16", out void* data);
        int batch = TensorChecks.Dimension(input.Batch, "X", 0);
        PoolWork work = Kernel.Plan(batch, TensorChecks.Dimension(input.Height, "X", 2), TensorChecks.Dimension(input.Width, "X", 3));
        x = (float*)data;
        y = context.Output(0, MapShape.Dimensions(Kernel.Spec.OutputLayout, batch, work.Channels, work.OutputHeight, work.OutputWidth));
        tasks = work.TaskCount;
        return work;
    }
}
