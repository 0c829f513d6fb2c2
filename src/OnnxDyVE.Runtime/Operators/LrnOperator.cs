using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Lrn;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>DyveLrn (<see cref="DyveSchema.LrnOp"/>): local response normalization within each channel, Y in X's shape.</summary>
internal sealed class LrnOperator : DyveOperator
{
    public override string Name => DyveSchema.LrnOp;
    public override int InputCount => 1;
    public override bool IsOptional(int input) => false;

    public override IDyveKernel CreateKernel(KernelInfo info) => new LrnOperatorKernel(info.NodeName(), new LrnKernel(Read(info), SimdPaths.Best));

    public override void InferShape(ShapeInference context)
    {
        var x = context.Input(0) ?? throw new ArgumentException("input X is missing");
        LrnSpec spec = Read(context);
        int rank = spec.Layout == MapLayout.Blocked ? 5 : 4;
        if (x.Shape.Length != rank)
            throw new ArgumentException($"input X has rank {x.Shape.Length}; with {DyveSchema.InputLayout} {LayoutAttribute.Name(spec.Layout)} {Name} takes rank {rank}");
        context.SetOutput(0, OrtElementType.Float, x.Shape);
    }

    /// <summary>The node's LRN; throws <see cref="ArgumentException"/> naming the attribute at fault.</summary>
    private LrnSpec Read(IAttributeSource attributes)
    {
        long size = attributes.GetInt(DyveSchema.LrnSize) ?? throw new ArgumentException($"attribute '{DyveSchema.LrnSize}' is required");
        if (size is <= 0 or > LrnSpec.MaximumSize) throw new ArgumentException($"attribute '{DyveSchema.LrnSize}' is {size}; expected an odd size from 1 to {LrnSpec.MaximumSize}");
        float alpha = attributes.GetFloat(DyveSchema.LrnAlpha) ?? throw new ArgumentException($"attribute '{DyveSchema.LrnAlpha}' is required");
        float beta = attributes.GetFloat(DyveSchema.LrnBeta) ?? throw new ArgumentException($"attribute '{DyveSchema.LrnBeta}' is required");
        float bias = attributes.GetFloat(DyveSchema.LrnBias) ?? 1f;
        MapLayout input = LayoutAttribute.Read(attributes, DyveSchema.InputLayout), output = LayoutAttribute.Read(attributes, DyveSchema.OutputLayout);
        if (input != output)
            throw new ArgumentException($"attributes '{DyveSchema.InputLayout}' and '{DyveSchema.OutputLayout}' differ ({LayoutAttribute.Name(input)}, {LayoutAttribute.Name(output)}): {Name} writes the layout it reads");
        var spec = new LrnSpec((int)size, alpha, beta, bias, input);
        spec.Validate();
        return spec;
    }
}

/// <summary>A DyveLrn node's kernel, bound to ORT's tensors and thread pool.</summary>
internal sealed unsafe class LrnOperatorKernel(string nodeName, LrnKernel kernel) : MapTasksKernel<LrnKernel, LrnWork>(nodeName, kernel)
{
    public override string OpName => DyveSchema.LrnOp;

    protected override LrnWork Plan(KernelContext context, Span<long> shape, out float* x, out float* y, out int tasks)
    {
        int rank = context.Input(0, shape, out OrtElementType type, out void* data);
        TensorChecks.RequireFloat(type, "X");
        bool blocked = Kernel.Spec.Layout == MapLayout.Blocked;
        if (rank != (blocked ? 5 : 4) || (blocked && shape[4] != MapShape.Block))
            throw new ArgumentException($"input X has shape [{TensorChecks.DescribeShape(rank, shape)}]; "
                + (blocked ? $"DyveLrn takes N x C/{MapShape.Block} x H x W x {MapShape.Block}" : "DyveLrn takes N x C x H x W"));
        int batch = TensorChecks.Dimension(shape[0], "X", 0), planes = TensorChecks.Dimension(shape[1], "X", 1);
        if ((long)batch * planes > int.MaxValue) throw new ArgumentException($"input X has {batch} x {planes} maps; DyveLrn takes at most {int.MaxValue}");
        LrnWork work = Kernel.Plan(batch * planes, TensorChecks.Dimension(shape[2], "X", 2), TensorChecks.Dimension(shape[3], "X", 3));
        x = (float*)data;
        y = context.Output(0, shape[..rank]);
        tasks = work.TaskCount;
        return work;
    }
}
