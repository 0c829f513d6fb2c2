using OnnxDyVE.Operators;

namespace OnnxDyVE.Tests.Operators;

/// <summary>When a DyveConv plans for one thread: after runs of several tasks that ORT's pool left on the calling thread.</summary>
public sealed class PoolWidthTests
{
    [Fact]
    public void Plans_for_one_thread_after_serial_runs_and_looks_again_now_and_then()
    {
        var pool = new PoolWidth();
        for (int run = 0; run < PoolWidth.SerialRuns; run++)
        {
            Assert.True(pool.Parallel(), $"run {run}: not yet seen serial {PoolWidth.SerialRuns} times");
            pool.Record(otherThread: false);
        }
        int parallel = 0;
        for (int run = 0; run < 4 * PoolWidth.RecheckRuns; run++)
            if (pool.Parallel()) parallel++;
        Assert.Equal(4, parallel);
        // A recheck that finds another thread at work: parallel plans again, until as many serial runs in a row.
        pool.Record(otherThread: true);
        Assert.True(pool.Parallel());
        for (int run = 0; run < PoolWidth.SerialRuns - 1; run++) pool.Record(otherThread: false);
        Assert.True(pool.Parallel());
        pool.Record(otherThread: false);
        Assert.False(pool.Parallel());
    }

    [Fact]
    public void A_pool_that_shares_the_tasks_keeps_parallel_plans()
    {
        var pool = new PoolWidth();
        for (int run = 0; run < 10 * PoolWidth.SerialRuns; run++)
        {
            Assert.True(pool.Parallel());
            // Now and then the caller ran every task before the other thread woke.
            pool.Record(otherThread: run % (PoolWidth.SerialRuns / 2) != 0);
        }
    }
}
