using OnnxDyVE.Harness;

namespace OnnxDyVE.Tests.Harness;

/// <summary>The warm-up's stopping rule on a scripted clock and compiled-method count: quiet long enough, at least the minimum, never past the limit.</summary>
public sealed class WarmupTests
{
    /// <summary>A clock that advances <paramref name="roundMs"/> per round and a count that changes after each of the first <paramref name="compilingRounds"/> rounds.</summary>
    private static int Rounds(double roundMs, int compilingRounds)
    {
        int rounds = 0;
        return Warmup.Run(
            () => rounds++,
            () => Math.Min(rounds, compilingRounds) * 7L,
            () => TimeSpan.FromMilliseconds(rounds * roundMs));
    }

    [Fact]
    public void A_quiet_jit_stops_at_the_minimum_once_quiet_long_enough()
    {
        Assert.Equal(Warmup.MinimumRounds, Rounds(roundMs: 100, compilingRounds: 0));
        // 20 ms rounds: quiet from the start, 300 ms needs 15 of them.
        Assert.Equal(15, Rounds(roundMs: 20, compilingRounds: 0));
    }

    [Fact]
    public void Compilation_extends_the_warm_up_until_it_has_been_quiet_for_the_quiet_time()
    {
        // The count changes after rounds 1 to 40 (at 400 ms); quiet from there, 300 ms later is round 70.
        Assert.Equal(70, Rounds(roundMs: 10, compilingRounds: 40));
    }

    [Fact]
    public void A_jit_that_never_goes_quiet_is_cut_off_at_the_limit()
    {
        int rounds = Rounds(roundMs: 50, compilingRounds: int.MaxValue);
        Assert.Equal((int)(Warmup.Limit.TotalMilliseconds / 50), rounds);
    }
}
