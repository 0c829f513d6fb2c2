namespace OnnxDyVE.Kernels;

/// <summary>What a kernel's counters held at one moment.</summary>
/// <param name="Runs">Calls of the operator.</param>
/// <param name="ExecutedMacs">Multiply-accumulates of the product actually run (tile padding not counted).</param>
/// <param name="DenseMacs">Multiply-accumulates the dense product would have run for the same calls.</param>
public readonly record struct CounterValues(long Runs, long ExecutedMacs, long DenseMacs)
{
    /// <summary>Dense over executed work: 1 when nothing was skipped.</summary>
    public double MacReduction => ExecutedMacs == 0 ? (DenseMacs == 0 ? 1 : double.PositiveInfinity) : (double)DenseMacs / ExecutedMacs;

    public static CounterValues operator -(CounterValues after, CounterValues before) =>
        new(after.Runs - before.Runs, after.ExecutedMacs - before.ExecutedMacs, after.DenseMacs - before.DenseMacs);
}

/// <summary>
/// Work a kernel did since it was made, for the paper's metric (dense over executed operations). Updated by
/// concurrent tasks and runs with atomic adds; read between runs.
/// </summary>
public sealed class KernelCounters
{
    private long _runs;
    private long _executedMacs;
    private long _denseMacs;

    public void CountRun() => Interlocked.Increment(ref _runs);

    public void Add(long executedMacs, long denseMacs)
    {
        Interlocked.Add(ref _executedMacs, executedMacs);
        Interlocked.Add(ref _denseMacs, denseMacs);
    }

    public CounterValues Read() => new(Interlocked.Read(ref _runs), Interlocked.Read(ref _executedMacs), Interlocked.Read(ref _denseMacs));
}
