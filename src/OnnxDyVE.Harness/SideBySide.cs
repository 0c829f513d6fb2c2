using System.Diagnostics;

namespace OnnxDyVE.Harness;

/// <summary>What a side-by-side run of a stock and a DyVE model measured.</summary>
public readonly record struct SideBySideResult(double MaxRelativeError, double StockMedianMs, double DyveMedianMs)
{
    /// <summary>Stock time over DyVE time: above 1, DyVE is faster.</summary>
    public double Speedup => StockMedianMs / DyveMedianMs;
}

/// <summary>
/// Runs a stock model and its DyVE counterpart in one process with the same session options and thread
/// count, on the same input, interleaved run by run so that drifting clocks and neighbours hit both alike;
/// warm-up runs (<see cref="Warmup"/>) are not counted.
/// </summary>
public static class SideBySide
{
    public static SideBySideResult Run(byte[] stockModel, byte[] dyveModel, float[] input, long[] inputShape, int threads, int runs) =>
        Run(stockModel, inputShape, dyveModel, inputShape, input, threads, runs);

    /// <summary>As above, where the two models see the same values under shapes of their own (a blocked layer: <see cref="BlockedLayer"/>).</summary>
    public static SideBySideResult Run(byte[] stockModel, long[] stockShape, byte[] dyveModel, long[] dyveShape, float[] input, int threads, int runs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        using var stock = new PreparedSession(stockModel, threads, input, stockShape);
        using var dyve = new PreparedSession(dyveModel, threads, input, dyveShape);
        double error = MaxRelativeError(stock.Output, dyve.Output);
        Warmup.Run(() =>
        {
            stock.Run();
            dyve.Run();
        });
        var stockTimes = new double[runs];
        var dyveTimes = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            stockTimes[i] = Time(stock);
            dyveTimes[i] = Time(dyve);
        }
        return new SideBySideResult(error, Median(stockTimes), Median(dyveTimes));
    }

    private static double Time(PreparedSession session)
    {
        long start = Stopwatch.GetTimestamp();
        session.Run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>max |actual - expected| over max |expected|: a tensor-wide relative error that cancellation near zero cannot inflate.</summary>
    public static double MaxRelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double worst = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        return worst / Math.Max(scale, double.Epsilon);
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
