namespace OnnxDyVE.Kernels;

/// <summary>What a kernel's counters held at one moment.</summary>
/// <param name="Runs">Calls of the operator.</param>
/// <param name="ExecutedMacs">Multiply-accumulates of the product actually run (tile padding not counted).</param>
/// <param name="DenseMacs">Multiply-accumulates the dense product would have run for the same calls.</param>
/// <param name="OverheadOps">Scalar operations the mechanisms spent deciding and approximating (comparisons, interpolations).</param>
/// <param name="Outputs">Output values produced.</param>
/// <param name="ApproximatedOutputs">Of those, values interpolated rather than computed (SDSS).</param>
/// <param name="StoppedOutputs">Of those, values SPET stopped after the prefix of K (given the activation's saturation value).</param>
/// <param name="FoldedMaps">Input maps (per image) SFMA found near-uniform and folded into the bias rather than multiplied.</param>
/// <param name="MergedPairs">Pairs of input maps (per image) SFMA found near-equal and computed as one.</param>
/// <param name="RunTicks">Time the runs took, in <see cref="System.Diagnostics.Stopwatch"/> ticks, from the operator's entry to its return.</param>
public readonly record struct CounterValues(long Runs, long ExecutedMacs, long DenseMacs, long OverheadOps = 0, long Outputs = 0, long ApproximatedOutputs = 0,
    long RunTicks = 0, long StoppedOutputs = 0, long FoldedMaps = 0, long MergedPairs = 0)
{
    public double RunSeconds => (double)RunTicks / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Dense over executed work: 1 when nothing was skipped.</summary>
    public double MacReduction => ExecutedMacs == 0 ? (DenseMacs == 0 ? 1 : double.PositiveInfinity) : (double)DenseMacs / ExecutedMacs;

    /// <summary>The paper's metric: dense operations over executed ones plus overhead; 1 when nothing was skipped.</summary>
    public double OpsReduction => ExecutedMacs + OverheadOps == 0 ? (DenseMacs == 0 ? 1 : double.PositiveInfinity) : (double)DenseMacs / (ExecutedMacs + OverheadOps);

    public static CounterValues operator -(CounterValues after, CounterValues before) =>
        new(after.Runs - before.Runs, after.ExecutedMacs - before.ExecutedMacs, after.DenseMacs - before.DenseMacs,
            after.OverheadOps - before.OverheadOps, after.Outputs - before.Outputs, after.ApproximatedOutputs - before.ApproximatedOutputs,
            after.RunTicks - before.RunTicks, after.StoppedOutputs - before.StoppedOutputs, after.FoldedMaps - before.FoldedMaps, after.MergedPairs - before.MergedPairs);

    public static CounterValues Sum(IEnumerable<CounterValues> values)
    {
        CounterValues sum = default;
        foreach (CounterValues value in values) sum += value;
        return sum;
    }

    public static CounterValues operator +(CounterValues left, CounterValues right) =>
        new(left.Runs + right.Runs, left.ExecutedMacs + right.ExecutedMacs, left.DenseMacs + right.DenseMacs,
            left.OverheadOps + right.OverheadOps, left.Outputs + right.Outputs, left.ApproximatedOutputs + right.ApproximatedOutputs,
            left.RunTicks + right.RunTicks, left.StoppedOutputs + right.StoppedOutputs, left.FoldedMaps + right.FoldedMaps, left.MergedPairs + right.MergedPairs);
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
    private long _overheadOps;
    private long _outputs;
    private long _approximatedOutputs;
    private long _runTicks;
    private long _stoppedOutputs;
    private long _foldedMaps;
    private long _mergedPairs;

    /// <summary>One more run, which took <paramref name="ticks"/> Stopwatch ticks.</summary>
    public void CountRun(long ticks)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _runTicks, ticks);
    }

    /// <param name="outputs">Output values the work produced (0 when another call counts them).</param>
    public void Add(long executedMacs, long denseMacs, long outputs = 0)
    {
        if (outputs != 0) Interlocked.Add(ref _outputs, outputs);
        Interlocked.Add(ref _executedMacs, executedMacs);
        Interlocked.Add(ref _denseMacs, denseMacs);
    }

    public void AddOverhead(long operations) => Interlocked.Add(ref _overheadOps, operations);

    /// <summary>Outputs interpolated rather than computed (counted among the outputs by <see cref="Add"/>).</summary>
    public void AddApproximated(long outputs) => Interlocked.Add(ref _approximatedOutputs, outputs);

    /// <summary>Outputs SPET stopped after the prefix (counted among the outputs by <see cref="Add"/>).</summary>
    public void AddStopped(long outputs) => Interlocked.Add(ref _stoppedOutputs, outputs);

    /// <summary>Input maps SFMA folded into the bias.</summary>
    public void AddFolded(long maps) => Interlocked.Add(ref _foldedMaps, maps);

    /// <summary>Pairs of input maps SFMA computed as one.</summary>
    public void AddMerged(long pairs) => Interlocked.Add(ref _mergedPairs, pairs);

    public CounterValues Read() => new(Interlocked.Read(ref _runs), Interlocked.Read(ref _executedMacs), Interlocked.Read(ref _denseMacs),
        Interlocked.Read(ref _overheadOps), Interlocked.Read(ref _outputs), Interlocked.Read(ref _approximatedOutputs),
        Interlocked.Read(ref _runTicks), Interlocked.Read(ref _stoppedOutputs), Interlocked.Read(ref _foldedMaps), Interlocked.Read(ref _mergedPairs));
}
