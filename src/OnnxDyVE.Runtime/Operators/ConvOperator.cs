using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Operators;

/// <summary>
/// DyveConv: ONNX Conv (2-D, NCHW, float32) with a fused activation. Inputs X, W (constant), optional B (constant),
/// optional effort (<see cref="OnnxDyVE.Schema.DyveSchema.EffortInput"/>: a float32 scalar in [0, 1], read at every
/// run; absent means 0), optional Z (<see cref="ResidualInput"/>: a residual block's sum, of Y's shape, added before the
/// activation; blocked output only). Without a bias but with effort, B is the empty name: <c>[X, W, "", effort]</c>.
/// </summary>
internal sealed class ConvOperator : DyveOperator
{
    public const string OpName = OnnxDyVE.Schema.DyveSchema.ConvOp;
    public const int BiasInput = 2;
    public const int EffortInput = 3;
    /// <summary>Z: activation(conv + bias + Z) is the output (ResNet's Add and Relu fused by the rewriter).</summary>
    public const int ResidualInput = OnnxDyVE.Schema.DyveSchema.ResidualInput;

    public override string Name => OpName;
    public override int InputCount => 5;
    public override bool IsOptional(int input) => input is BiasInput or EffortInput or ResidualInput;

    /// <summary>Effort takes any type here so that a wrong one fails its run with a message naming effort.</summary>
    public override OrtElementType InputType(int input) => input == EffortInput ? OrtElementType.Undefined : OrtElementType.Float;

    public override IDyveKernel CreateKernel(KernelInfo info)
    {
        string node = info.NodeName();
        ConstantTensor weights = info.ConstantInput(1)
            ?? throw new ArgumentException("input W must be a constant initializer (DyVE packs the weights once, when the session is created)");
        ConvSpec spec = ConvAttributes.Read(info, weights.Shape);
        if (info.HasInput(ResidualInput))
        {
            spec = spec with { Residual = true };
            spec.Validate();
        }
        ReadOnlySpan<float> bias = [];
        if (info.HasInput(BiasInput))
        {
            ConstantTensor b = info.ConstantInput(BiasInput)
                ?? throw new ArgumentException("input B must be a constant initializer");
            if (b.Shape.Length != 1 || b.Shape[0] != spec.OutputChannels)
                throw new ArgumentException($"input B has shape [{string.Join(", ", b.Shape)}]; expected [{spec.OutputChannels}]");
            bias = b.AsFloats();
        }
        return new ConvOperatorKernel(node, new ConvKernel(spec, weights.AsFloats(), bias, SimdPaths.Best, InputSize(info)));
    }

    /// <summary>
    /// X's height and width as the session knows them (planar N x C x H x W or blocked N x C/16 x H x W x 16), or null
    /// where it does not.
    /// </summary>
    private static (int Height, int Width)? InputSize(KernelInfo info) =>
        info.InputShape(0) is { Length: 4 or 5 } shape && shape[2] is > 0 and <= int.MaxValue && shape[3] is > 0 and <= int.MaxValue
            ? ((int)shape[2], (int)shape[3])
            : null;

    public override void InferShape(ShapeInference context)
    {
        var x = context.Input(0) ?? throw new ArgumentException("input X is missing");
        var w = context.Input(1) ?? throw new ArgumentException("input W is missing");
        if (w.Shape.Length != 4 || !Array.TrueForAll(w.Shape, d => d > 0))
        {
            // Without W's shape the layouts are still known: they fix the output's rank.
            bool blocked = context.GetString(OnnxDyVE.Schema.DyveSchema.OutputLayout) == OnnxDyVE.Schema.DyveSchema.Layouts.Blocked;
            context.SetOutput(0, OrtElementType.Float,
                MapShape.Dimensions(blocked ? MapLayout.Blocked : MapLayout.Planar, x.Shape.Length > 0 ? x.Shape[0] : -1, -1, -1, -1));
            return;
        }
        ConvSpec spec = ConvAttributes.Read(context, w.Shape);
        var input = MapShape.Read(x.Shape, spec.InputLayout, spec.InputChannels, "X");
        long[] output = [input.Batch, spec.OutputChannels, -1, -1];
        if (input.Channels > 0 && input.Channels != spec.InputChannels)
            throw new ArgumentException($"input X has {input.Channels} channels, W expects {spec.InputChannels} ({spec.InputChannelsPerGroup} per group x group {spec.Group})");
        if (input.Height > 0 && input.Width > 0)
        {
            ConvGeometry geometry = spec.Geometry(checked((int)input.Height), checked((int)input.Width));
            output[2] = geometry.OutputHeight;
            output[3] = geometry.OutputWidth;
        }
        context.SetOutput(0, OrtElementType.Float, MapShape.Dimensions(spec.OutputLayout, output[0], output[1], output[2], output[3]));
    }
}

/// <summary>A DyveConv node's prepared kernel, bound to ORT's tensors and thread pool.</summary>
internal sealed unsafe class ConvOperatorKernel(string nodeName, ConvKernel kernel) : IDyveKernel, IParallelTasks
{
    public string NodeName { get; } = nodeName;
    public string OpName => ConvOperator.OpName;
    public OnnxDyVE.Kernels.KernelCounters Counters => kernel.Counters;
    public nint Handle { get; set; }

    /// <summary>Whether ORT's pool shares this node's tasks out: Winograd's plans cut for one thread where it does not.</summary>
    private readonly PoolWidth _pool = new();

    public void Compute(KernelContext context)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Span<long> shape = stackalloc long[KernelContext.MaxRank];
        ConvSpec spec = kernel.Spec;
        MapShape input = TensorChecks.Maps(context, shape, spec.InputLayout, spec.InputChannels, "DyveConv takes N x C x H x W", out void* x);
        int batch = TensorChecks.Dimension(input.Batch, "X", 0);
        int channels = TensorChecks.Dimension(input.Channels, "X", 1);
        int height = TensorChecks.Dimension(input.Height, "X", 2);
        int width = TensorChecks.Dimension(input.Width, "X", 3);
        bool parallel = _pool.Parallel();
        ConvWork work = kernel.Plan(batch, channels, height, width, effort: RunEffort.Read(context, ConvOperator.EffortInput, shape), parallel: parallel);
        long[] outputShape = MapShape.Dimensions(spec.OutputLayout, batch, spec.OutputChannels, work.Geometry.OutputHeight, work.Geometry.OutputWidth);
        float* z = spec.Residual ? Residual(context, outputShape, shape) : null;
        float* y = context.Output(0, outputShape);
        float* shared = kernel.RentRunScratch(work);
        bool several = false, otherThread = false;
        if (work.Algorithm != ConvAlgorithm.Sampled && (work.PhaseTasks(0) > 0 || work.PhaseCount == 3))
        {
            // The copy, the tiles' lists where a phase builds them, and the compute that reads them: one batch for the pool
            // (ChainedPhases).
            int middle = work.PhaseCount == 3 ? work.PhaseTasks(1) : 0;
            var run = new ConvRun(work, 0, (float*)x, y, shared, z, new ChainedPhases(work.PhaseTasks(0), middle));
            int tasks = work.PhaseTasks(0) + middle + work.PhaseTasks(work.PhaseCount - 1);
            several = tasks > 1;
            otherThread = context.ParallelFor(Handle, &run, tasks);
        }
        else
            for (int phase = 0; phase < work.PhaseCount; phase++)
            {
                int tasks = work.PhaseTasks(phase);
                if (tasks == 0) continue;
                var run = new ConvRun(work, phase, (float*)x, y, shared, z, default);
                several |= tasks > 1;
                otherThread |= context.ParallelFor(Handle, &run, tasks);
            }
        if (parallel && several) _pool.Record(otherThread);
        kernel.Counters.CountRun(System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    public void RunTask(void* work, int index)
    {
        var run = (ConvRun*)work;
        if (!run->Chain.IsOn)
        {
            kernel.RunPhaseTask(run->Work, run->Phase, run->Input, run->Output, run->Shared, index, run->Residual);
            return;
        }
        (int phase, int task) = run->Chain.Claim();
        run->Chain.AwaitEarlierPhases(phase);
        try
        {
            kernel.RunPhaseTask(run->Work, phase, run->Input, run->Output, run->Shared, task, run->Residual);
        }
        finally
        {
            run->Chain.Done(phase);
        }
    }

    /// <summary>Input Z, which must have the output's shape (no broadcasting) and type.</summary>
    private static float* Residual(KernelContext context, long[] outputShape, Span<long> shape)
    {
        int rank = context.Input(ConvOperator.ResidualInput, shape, out OrtElementType type, out void* z);
        if (rank == -1) throw new ArgumentException("input Z (the residual) is missing at run time");
        TensorChecks.RequireFloat(type, "Z");
        if (rank < 0 || !shape[..rank].SequenceEqual(outputShape))
            throw new ArgumentException($"input Z has shape [{TensorChecks.DescribeShape(rank, shape)}]; "
                + $"a residual must have the output's shape [{string.Join(", ", outputShape)}]");
        return (float*)z;
    }

    private struct ConvRun(ConvWork work, int phase, float* input, float* output, float* shared, float* residual, ChainedPhases chain)
    {
        public readonly ConvWork Work = work;
        public readonly int Phase = phase;
        public readonly float* Input = input;
        public readonly float* Output = output;
        public readonly float* Shared = shared;
        public readonly float* Residual = residual;
        /// <summary>Both phases in one batch, or off (<see cref="Phase"/> alone).</summary>
        public ChainedPhases Chain = chain;
    }
}
