namespace OnnxDyVE.Operators;

/// <summary>
/// Two or three phases of a run (a copy; where there is one, a middle phase that reads it, such as the tiles' lists of
/// live taps; then the compute) as one batch of pool tasks, so that the pool's threads are woken and joined once per run
/// instead of once per phase: with ORT's threads not spinning, a batch's second thread started its first task 10-17 us
/// late on this 2-core VM, and a copy phase of 5-30 us of work took 30-80 us (ResNet18 at 2 threads, one run traced;
/// docs/kernels.md). Every task, whatever index the pool gives it, claims the next item in order (earlier phases'
/// items first); an item waits until every item of the phases before its own is done. That wait cannot deadlock: a
/// phase's items are claimed only after every earlier item has been claimed by a task that runs it to its end
/// (<see cref="Done"/> in a finally), and a task skipped after an error claims nothing.
/// </summary>
internal struct ChainedPhases(int firstTasks, int middleTasks = 0)
{
    private readonly int _firstTasks = firstTasks;
    private readonly int _middleTasks = middleTasks;
    private int _claimed;
    private int _firstDone;
    private int _middleDone;

    /// <summary>Whether the run is chained (else its batch is one phase, task = index).</summary>
    public readonly bool IsOn => _firstTasks > 0 || _middleTasks > 0;

    /// <summary>The next item: its phase (0, 1, and 2 where there is a middle phase) and its task in that phase.</summary>
    public (int Phase, int Task) Claim()
    {
        int item = Interlocked.Increment(ref _claimed) - 1;
        if (item < _firstTasks) return (0, item);
        item -= _firstTasks;
        if (item < _middleTasks) return (1, item);
        return (_middleTasks > 0 ? 2 : 1, item - _middleTasks);
    }

    /// <summary>An item of <paramref name="phase"/> has ended (normally or not).</summary>
    public void Done(int phase)
    {
        if (phase == 0) Interlocked.Increment(ref _firstDone);
        else if (phase == 1 && _middleTasks > 0) Interlocked.Increment(ref _middleDone);
    }

    /// <summary>Spins (yielding, never sleeping) until every item of the phases before <paramref name="phase"/> has ended.</summary>
    public void AwaitEarlierPhases(int phase)
    {
        var spin = new SpinWait();
        while (phase > 0 && Volatile.Read(ref _firstDone) < _firstTasks) spin.SpinOnce(sleep1Threshold: -1);
        while (phase > 1 && Volatile.Read(ref _middleDone) < _middleTasks) spin.SpinOnce(sleep1Threshold: -1);
    }
}
