using System.Diagnostics;
using System.Runtime;

namespace OnnxDyVE.Harness;

/// <summary>
/// The untimed rounds before timed ones, until .NET's JIT has gone quiet. Managed code called per run (DyVE's operators,
/// ORT's C# API, this harness) starts unoptimized and is compiled again, optimized, by a background thread once it has
/// been called often enough: ResNet18 at 2 threads compiled about 600 methods between its 10th and 40th runs, and those
/// runs took 1.3x-2.5x their steady time, the compiler taking one of the two cores from the pool. A fixed count of
/// warm-up runs (it was 3 and 5) left that inside the timed runs.
/// </summary>
public static class Warmup
{
    /// <summary>Rounds run however quiet the JIT is.</summary>
    public const int MinimumRounds = 5;

    /// <summary>
    /// How long no method may have been compiled before timing starts: above the runtime's 100 ms delay between the last
    /// unoptimized call and the background compilation it triggers.
    /// </summary>
    public static readonly TimeSpan QuietTime = TimeSpan.FromMilliseconds(300);

    /// <summary>Longest warm-up, so that a process that keeps compiling (another thread's work) cannot hold timing off.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="round"/> until the JIT has been quiet for <see cref="QuietTime"/>, at least <see cref="MinimumRounds"/> times.</summary>
    /// <returns>Rounds run.</returns>
    public static int Run(Action round)
    {
        var clock = Stopwatch.StartNew();
        return Run(round, () => JitInfo.GetCompiledMethodCount(), () => clock.Elapsed);
    }

    /// <summary><see cref="Run(Action)"/> with the compiled-method count and the time since the start given (tests).</summary>
    internal static int Run(Action round, Func<long> compiledMethods, Func<TimeSpan> elapsed)
    {
        ArgumentNullException.ThrowIfNull(round);
        long compiled = compiledMethods();
        TimeSpan lastChange = elapsed();
        for (int rounds = 1; ; rounds++)
        {
            round();
            long now = compiledMethods();
            TimeSpan at = elapsed();
            if (now != compiled) (compiled, lastChange) = (now, at);
            if (rounds >= MinimumRounds && (at - lastChange >= QuietTime || at >= Limit)) return rounds;
        }
    }
}
