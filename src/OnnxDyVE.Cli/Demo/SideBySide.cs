using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Cli.Demo;

/// <summary>What a side-by-side run of a stock and a DyVE model measured.</summary>
internal readonly record struct SideBySideResult(double MaxRelativeError, double StockMedianMs, double DyveMedianMs)
{
    /// <summary>Stock time over DyVE time: above 1, DyVE is faster.</summary>
    public double Speedup => StockMedianMs / DyveMedianMs;
}

/// <summary>
/// Runs a stock model and its DyVE counterpart in one process with the same session options and thread
/// count, on the same seeded input, interleaved run by run so that drifting clocks and neighbours hit both
/// alike; warm-up runs are not counted.
/// </summary>
internal static class SideBySide
{
    public static SessionOptions Options(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Spinning pool threads would steal time from whichever model runs next (ORT-INTEROP pitfall 7).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options.AppendDyVE();
    }

    public static SideBySideResult Run(byte[] stockModel, byte[] dyveModel, long[] inputShape, int threads, int runs, int seed)
    {
        using SessionOptions options = Options(threads);
        using var stock = new InferenceSession(stockModel, options);
        using var dyve = new InferenceSession(dyveModel, options);
        float[] input = SeededInput(inputShape, seed);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();

        float[] expected = RunOnce(stock, runOptions, value, out _);
        float[] actual = RunOnce(dyve, runOptions, value, out _);
        double error = MaxRelativeError(expected, actual);

        var stockTimes = new double[runs];
        var dyveTimes = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            RunOnce(stock, runOptions, value, out stockTimes[i]);
            RunOnce(dyve, runOptions, value, out dyveTimes[i]);
        }
        return new SideBySideResult(error, Median(stockTimes), Median(dyveTimes));
    }

    private static float[] RunOnce(InferenceSession session, RunOptions runOptions, OrtValue input, out double milliseconds)
    {
        string inputName = session.InputNames[0];
        long start = Stopwatch.GetTimestamp();
        using var outputs = session.Run(runOptions, [inputName], [input], session.OutputNames);
        milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>max |actual - expected| over max |expected|: a tensor-wide relative error that cancellation near zero cannot inflate.</summary>
    private static double MaxRelativeError(float[] expected, float[] actual)
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

    private static float[] SeededInput(long[] shape, int seed)
    {
        long count = 1;
        foreach (long d in shape) count *= d;
        var random = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        return data;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
