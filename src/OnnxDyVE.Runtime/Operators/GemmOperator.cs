using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Operators;

/// <summary>
/// DyveGemm: ONNX Gemm (float32) with a fused activation. Inputs A, B (constant), optional C, optional effort
/// (<see cref="OnnxDyVE.Schema.DyveSchema.EffortInput"/>: a float32 scalar in [0, 1], read at every run; absent means 0).
/// Without C but with effort, C is the empty name: <c>[A, B, "", effort]</c>.
/// </summary>
internal sealed class GemmOperator : DyveOperator
{
    public const string OpName = OnnxDyVE.Schema.DyveSchema.GemmOp;
    public const int BiasInput = 2;
    public const int EffortInput = 3;

    public override string Name => OpName;
    public override int InputCount => 4;
    public override bool IsOptional(int input) => input is BiasInput or EffortInput;

    /// <summary>Effort takes any type here so that a wrong one fails its run with a message naming effort.</summary>
    public override OrtElementType InputType(int input) => input == EffortInput ? OrtElementType.Undefined : OrtElementType.Float;

    public override IDyveKernel CreateKernel(KernelInfo info)
    {
        string node = info.NodeName();
        ConstantTensor b = info.ConstantInput(1)
            ?? throw new ArgumentException("input B must be a constant initializer (DyVE packs the weights once, when the session is created)");
        GemmSpec spec = GemmAttributes.Read(info, b.Shape);
        return new GemmOperatorKernel(node, new GemmKernel(spec, b.AsFloats(), SimdPaths.Best));
    }

    public override void InferShape(ShapeInference context)
    {
        var a = context.Input(0) ?? throw new ArgumentException("input A is missing");
        var b = context.Input(1) ?? throw new ArgumentException("input B is missing");
        if (a.Shape.Length != 2) throw new ArgumentException($"input A has rank {a.Shape.Length}; Gemm takes a matrix");
        if (b.Shape.Length != 2) throw new ArgumentException($"input B has rank {b.Shape.Length}; Gemm takes a matrix");
        bool transA = (context.GetInt("transA") ?? 0) != 0;
        bool transB = (context.GetInt("transB") ?? 0) != 0;
        long m = transA ? a.Shape[1] : a.Shape[0];
        long kA = transA ? a.Shape[0] : a.Shape[1];
        long kB = transB ? b.Shape[1] : b.Shape[0];
        long n = transB ? b.Shape[0] : b.Shape[1];
        if (kA > 0 && kB > 0 && kA != kB)
            throw new ArgumentException($"inner dimensions differ: A gives K = {kA}, B gives K = {kB}");
        context.SetOutput(0, OrtElementType.Float, [m, n]);
    }
}

/// <summary>A DyveGemm node's prepared kernel, bound to ORT's tensors and thread pool.</summary>
internal sealed unsafe class GemmOperatorKernel(string nodeName, GemmKernel kernel) : IDyveKernel, IParallelTasks
{
    public string NodeName { get; } = nodeName;
    public string OpName => GemmOperator.OpName;
    public OnnxDyVE.Kernels.KernelCounters Counters => kernel.Counters;
    public nint Handle { get; set; }

    public void Compute(KernelContext context)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        GemmSpec spec = kernel.Spec;
        Span<long> shape = stackalloc long[KernelContext.MaxRank];
        int rank = context.Input(0, shape, out OrtElementType type, out void* a);
        TensorChecks.RequireFloat(type, "A");
        if (rank != 2) throw new ArgumentException($"input A has rank {TensorChecks.Describe(rank)}; Gemm takes a matrix");
        int m = TensorChecks.Dimension(spec.TransA ? shape[1] : shape[0], "A", spec.TransA ? 1 : 0);
        long k = spec.TransA ? shape[0] : shape[1];
        if (k != spec.K) throw new ArgumentException($"input A gives K = {k}, B gives K = {spec.K}");

        int cRank = context.Input(GemmOperator.BiasInput, shape, out type, out void* c);
        GemmBias bias = default;
        if (cRank >= 0)
        {
            TensorChecks.RequireFloat(type, "C");
            if (cRank > 2) throw new ArgumentException($"input C has rank {TensorChecks.Describe(cRank)}; Gemm takes C of rank 0, 1 or 2");
            bias = GemmBias.For(shape[..cRank], m, spec.N);
        }
        else
        {
            c = null;
        }

        GemmWork work = kernel.Plan(m, RunEffort.Read(context, GemmOperator.EffortInput, shape));
        float* y = context.Output(0, [m, spec.N]);
        var run = new GemmRun(work, (float*)a, (float*)c, bias, y);
        context.ParallelFor(Handle, &run, work.TaskCount);
        kernel.Counters.CountRun(System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    public void RunTask(void* work, int index)
    {
        var run = (GemmRun*)work;
        kernel.RunTask(run->Work, run->A, run->C, run->Bias, run->Y, index);
    }

    private readonly struct GemmRun(GemmWork work, float* a, float* c, GemmBias bias, float* y)
    {
        public readonly GemmWork Work = work;
        public readonly float* A = a;
        public readonly float* C = c;
        public readonly GemmBias Bias = bias;
        public readonly float* Y = y;
    }
}
