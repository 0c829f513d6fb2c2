namespace OnnxDyVE.Kernels;

/// <summary>
/// A kernel that maps an input tensor to an output one in independent tasks of a planned run (the pools, DyveLrn): what
/// an operator needs to hand its tasks to a thread pool.
/// </summary>
public unsafe interface IMapTasks<TWork> where TWork : unmanaged
{
    /// <summary>Task <paramref name="task"/> of the run <paramref name="work"/>.</summary>
    void RunTask(in TWork work, float* input, float* output, int task);
}
