using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Harness;

/// <summary>DyVE's latency at one run-time effort and stock ORT's, timed in the same rounds.</summary>
public sealed record EffortTiming(float Effort, LatencySummary Stock, LatencySummary Dyve)
{
    /// <summary>Stock p50 over DyVE p50 at this effort: above 1, DyVE is faster.</summary>
    public double Speedup => Stock.P50Ms / Dyve.P50Ms;
}

/// <summary>
/// The speed side of a DyVE model's accuracy/effort frontier: its latency at each of a list of run-time efforts
/// (fed per run as <see cref="EffortFeed.Name"/>) against the stock model's, timed as <see cref="ModelBench"/> times:
/// one session each, the same options and threads, runs interleaved, warm-up excluded.
/// </summary>
public static class EffortSweep
{
    /// <param name="efforts">Run-time efforts in [0, 1], typically those of the model's stored frontier.</param>
    /// <param name="timedRuns">Timed runs per effort, of each model; they cycle through the first images of the folder.</param>
    /// <param name="progress">Timed rounds done, of <paramref name="timedRuns"/> (after the warm-up, <see cref="Warmup"/>).</param>
    /// <returns>One timing per effort, in the order given.</returns>
    public static IReadOnlyList<EffortTiming> Run(string stockModel, string dyveModel, string dataFolder, IReadOnlyList<float> efforts,
        int threads, int timedRuns, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(efforts);
        ArgumentOutOfRangeException.ThrowIfLessThan(timedRuns, 1);
        if (efforts.Count == 0) return [];

        using SessionOptions stockOptions = ComparisonOptions.Create(threads);
        using SessionOptions dyveOptions = ComparisonOptions.Create(threads);
        using var stock = new InferenceSession(stockModel, stockOptions);
        using var dyve = new InferenceSession(dyveModel, dyveOptions);
        List<OrtValue> inputs = ModelBench.TimingInputs(stock, stockModel, dataFolder, timedRuns);
        var effortValues = new List<OrtValue>(efforts.Count);
        try
        {
            foreach (float effort in efforts) effortValues.Add(EffortFeed.Create(dyve, effort, dyveModel));
            string[] stockNames = [stock.InputNames[0]];
            string[] dyveNames = [dyve.InputNames[0], EffortFeed.Name];
            var stockTimes = efforts.Select(_ => new List<double>(timedRuns)).ToArray();
            var dyveTimes = efforts.Select(_ => new List<double>(timedRuns)).ToArray();
            using var runOptions = new RunOptions();
            // Every round visits every effort, so that whatever else the machine does at some moment spreads
            // over all efforts instead of biasing one of them.
            int warm = 0;
            Warmup.Run(() =>
            {
                OrtValue input = inputs[warm++ % inputs.Count];
                foreach (OrtValue effort in effortValues)
                {
                    ModelBench.Time(stock, runOptions, stockNames, [input]);
                    ModelBench.Time(dyve, runOptions, dyveNames, [input, effort]);
                }
            });
            for (int run = 0; run < timedRuns; run++)
            {
                OrtValue input = inputs[run % inputs.Count];
                for (int i = 0; i < efforts.Count; i++)
                {
                    stockTimes[i].Add(ModelBench.Time(stock, runOptions, stockNames, [input]));
                    dyveTimes[i].Add(ModelBench.Time(dyve, runOptions, dyveNames, [input, effortValues[i]]));
                }
                progress?.Report(run + 1);
            }
            return [.. efforts.Select((effort, i) => new EffortTiming(effort, LatencySummary.Of(stockTimes[i], 1), LatencySummary.Of(dyveTimes[i], 1)))];
        }
        finally
        {
            foreach (OrtValue value in effortValues) value.Dispose();
            foreach (OrtValue input in inputs) input.Dispose();
        }
    }
}
