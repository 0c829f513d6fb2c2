using OnnxDyVE.Operators;

namespace OnnxDyVE.Tests.Operators;

/// <summary>Two phases as one batch: items in order, and no second-phase item before every first-phase item has ended.</summary>
public sealed class ChainedPhasesTests
{
    [Fact]
    public void Items_are_claimed_first_phase_first_in_order()
    {
        var chain = new ChainedPhases(3);
        Assert.True(chain.IsOn);
        var claimed = Enumerable.Range(0, 5).Select(_ => chain.Claim()).ToArray();
        Assert.Equal([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)], claimed);
        Assert.False(default(ChainedPhases).IsOn);
    }

    /// <summary>
    /// Four threads claim items of many runs (8 copy items, 8 compute items), as ORT's pool calls its tasks: every
    /// compute item starts only when every copy item has written its mark, however the threads interleave.
    /// </summary>
    [Fact]
    public void Second_phase_items_wait_for_every_first_phase_item_across_threads()
    {
        const int first = 8, second = 8;
        for (int round = 0; round < 200; round++)
        {
            var chain = new ChainedPhases(first);
            var marks = new int[first];
            int early = 0, ran = 0;
            Parallel.For(0, first + second, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            {
                (int phase, int task) = chain.Claim();
                if (phase == 1)
                {
                    chain.AwaitFirst();
                    if (Array.IndexOf(marks, 0) >= 0) Interlocked.Increment(ref early);
                    Interlocked.Increment(ref ran);
                    return;
                }
                Thread.SpinWait(5000 * (1 + task % 3));
                Volatile.Write(ref marks[task], 1);
                chain.FirstDone();
            });
            Assert.Equal(0, early);
            Assert.Equal(second, ran);
        }
    }
}
