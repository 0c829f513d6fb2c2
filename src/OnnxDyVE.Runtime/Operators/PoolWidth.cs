namespace OnnxDyVE.Operators;

/// <summary>
/// Whether ONNX Runtime's intra-op pool runs a kernel's tasks on more than one thread, as its runs show it: the C API
/// runs a ParallelFor on the calling thread alone at intra_op_num_threads 1 and does not say the pool's size. A kernel
/// plans for several threads (<see cref="Parallel"/>) until <see cref="SerialRuns"/> runs of several tasks in a row have
/// all stayed on the calling thread, and then again every <see cref="RecheckRuns"/>th run, so that a pool that was slow
/// to join at first is seen again. Thread-safe: runs of one session may overlap.
/// </summary>
internal sealed class PoolWidth
{
    /// <summary>Runs of several tasks in a row on the calling thread alone after which plans are cut for one thread.</summary>
    public const int SerialRuns = 16;

    /// <summary>A run in this many plans for several threads again, once plans are cut for one.</summary>
    public const int RecheckRuns = 128;

    private int _serialStreak;
    private int _plans;

    /// <summary>Whether the run being planned should be cut for several threads; call once a run.</summary>
    public bool Parallel() =>
        Volatile.Read(ref _serialStreak) < SerialRuns || Interlocked.Increment(ref _plans) % RecheckRuns == 0;

    /// <summary>What a run of several tasks showed: whether a thread other than the caller's ran any of them.</summary>
    public void Record(bool otherThread)
    {
        if (otherThread) Volatile.Write(ref _serialStreak, 0);
        else Interlocked.Increment(ref _serialStreak);
    }
}
