using OnnxDyVE.Operators;

namespace OnnxDyVE.Tests.Operators;

/// <summary>Two or three phases as one batch: items in order, and no item before every item of the phases before its own has ended.</summary>
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
        var three = new ChainedPhases(2, 2);
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)], Enumerable.Range(0, 5).Select(_ => three.Claim()).ToArray());
        var noCopy = new ChainedPhases(0, 1);
        Assert.True(noCopy.IsOn);
        Assert.Equal([(1, 0), (2, 0)], Enumerable.Range(0, 2).Select(_ => noCopy.Claim()).ToArray());
    }

    /// <summary>
    /// Four threads claim items of many runs (8 copy items, with or without 4 list items, then 8 compute items), as ORT's
    /// pool calls its tasks: every item starts only when every item of the phases before its own has written its mark,
    /// however the threads interleave.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Items_wait_for_every_item_of_earlier_phases_across_threads(int middle)
    {
        const int first = 8, last = 8;
        int lastPhase = middle > 0 ? 2 : 1;
        for (int round = 0; round < 200; round++)
        {
            var chain = new ChainedPhases(first, middle);
            var marks = new[] { new int[first], new int[middle] };
            int early = 0, ran = 0;
            Parallel.For(0, first + middle + last, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            {
                (int phase, int task) = chain.Claim();
                chain.AwaitEarlierPhases(phase);
                for (int earlier = 0; earlier < phase && earlier < 2; earlier++)
                    if (Array.IndexOf(marks[earlier], 0) >= 0) Interlocked.Increment(ref early);
                if (phase == lastPhase)
                {
                    Interlocked.Increment(ref ran);
                    return;
                }
                Thread.SpinWait(5000 * (1 + task % 3));
                Volatile.Write(ref marks[phase][task], 1);
                chain.Done(phase);
            });
            Assert.Equal(0, early);
            Assert.Equal(last, ran);
        }
    }
}
