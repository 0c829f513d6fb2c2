namespace OnnxDyVE.Operators;

/// <summary>
/// Two phases of a run (a copy, then the compute that reads it) as one batch of pool tasks, so that the pool's threads
/// are woken and joined once per run instead of once per phase: with ORT's threads not spinning, a batch's second thread
/// started its first task 10-17 us late on this 2-core VM, and a copy phase of 5-30 us of work took 30-80 us (ResNet18 at
/// 2 threads, one run traced; docs/kernels.md). Every task, whatever index the pool gives
/// it, claims the next item in order (first-phase items first); a second-phase item waits until every first-phase item
/// is done. That wait cannot deadlock: second-phase items are claimed only after every first-phase item has been
/// claimed by a task that runs it to its end (<see cref="FirstDone"/> in a finally), and a task skipped after an error
/// claims nothing.
/// </summary>
internal struct ChainedPhases(int firstTasks)
{
    private readonly int _firstTasks = firstTasks;
    private int _claimed;
    private int _firstDone;

    /// <summary>Whether the run is chained (else its batch is one phase, task = index).</summary>
    public readonly bool IsOn => _firstTasks > 0;

    /// <summary>The next item: its phase (0 or 1) and its task in that phase.</summary>
    public (int Phase, int Task) Claim()
    {
        int item = Interlocked.Increment(ref _claimed) - 1;
        return item < _firstTasks ? (0, item) : (1, item - _firstTasks);
    }

    /// <summary>A first-phase item has ended (normally or not).</summary>
    public void FirstDone() => Interlocked.Increment(ref _firstDone);

    /// <summary>Spins (yielding, never sleeping) until every first-phase item has ended.</summary>
    public void AwaitFirst()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _firstDone) < _firstTasks) spin.SpinOnce(sleep1Threshold: -1);
    }
}
