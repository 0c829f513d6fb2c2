using OnnxDyVE.Interop;
using OnnxDyVE.Kernels;

namespace OnnxDyVE.Operators;

/// <summary>
/// A DyVE node whose kernel maps X to Y in tasks (<see cref="IMapTasks{TWork}"/>), bound to ORT's tensors and thread
/// pool: the node reads X's shape, plans the run and sizes Y (<see cref="Plan"/>); this runs the tasks and counts the run.
/// </summary>
internal abstract unsafe class MapTasksKernel<TKernel, TWork>(string nodeName, TKernel kernel) : IDyveKernel, IParallelTasks
    where TKernel : IMapTasks<TWork>
    where TWork : unmanaged
{
    public string NodeName { get; } = nodeName;
    public abstract string OpName { get; }
    /// <summary>Runs and their time only: these kernels multiply no weights.</summary>
    public KernelCounters Counters { get; } = new();
    public nint Handle { get; set; }
    protected TKernel Kernel { get; } = kernel;

    /// <summary>The run for X (read from <paramref name="context"/> into <paramref name="shape"/>), X's data, Y allocated, and the task count.</summary>
    protected abstract TWork Plan(KernelContext context, Span<long> shape, out float* x, out float* y, out int tasks);

    public void Compute(KernelContext context)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Span<long> shape = stackalloc long[KernelContext.MaxRank];
        TWork work = Plan(context, shape, out float* x, out float* y, out int tasks);
        var run = new MapRun(work, x, y);
        context.ParallelFor(Handle, &run, tasks);
        Counters.CountRun(System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    public void RunTask(void* work, int index)
    {
        var run = (MapRun*)work;
        Kernel.RunTask(run->Work, run->Input, run->Output, index);
    }

    private readonly struct MapRun(TWork work, float* input, float* output)
    {
        public readonly TWork Work = work;
        public readonly float* Input = input;
        public readonly float* Output = output;
    }
}
