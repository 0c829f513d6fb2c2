using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Models;

namespace OnnxDyVE.Harness;

/// <summary>What <see cref="ModelBench.Run"/> measured: accuracy and latency of both models, and DyVE's work.</summary>
public sealed record ModelBenchResult(
    EvaluationResult Stock, EvaluationResult Dyve, double Agreement,
    LatencySummary StockLatency, LatencySummary DyveLatency, IReadOnlyList<DyveNodeStatistics> Layers, int Threads, int Batch = 1)
{
    /// <summary>Stock p50 over DyVE p50: above 1, DyVE is faster.</summary>
    public double Speedup => StockLatency.P50Ms / DyveLatency.P50Ms;

    /// <summary>The work of all DyVE nodes over the accuracy pass.</summary>
    public Kernels.CounterValues Total => Kernels.CounterValues.Sum(Layers.Select(l => l.Counters));

    /// <summary>Dense multiply-accumulates over executed ones plus the mechanisms' overhead, all DyVE nodes: the paper's metric.</summary>
    public double OpsReduction => Total.OpsReduction;
}

/// <summary>
/// Stock ONNX Runtime on the original model against DyVE on the rewritten one, in one process with the same session
/// options and threads: top-1/top-5 of both and their agreement over a labelled folder, then latency over the first
/// images, the two sessions interleaved run by run after a warm-up (<see cref="Warmup"/>).
/// </summary>
public static class ModelBench
{
    /// <param name="timedRuns">Timed runs per model; they cycle through the first images of the folder.</param>
    /// <param name="batch">Images per timed run (the accuracy pass runs them one at a time).</param>
    public static ModelBenchResult Run(string stockModel, string dyveModel, string dataFolder, int? limit, int threads, int timedRuns,
        IProgress<int>? stockProgress = null, IProgress<int>? dyveProgress = null, int batch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timedRuns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        EvaluationResult stock;
        using (SessionOptions options = ComparisonOptions.Create(threads))
            stock = Evaluator.Run(stockModel, dataFolder, limit, options, stockProgress);
        EvaluationResult dyve;
        IReadOnlyList<DyveNodeStatistics> layers = [];
        using (SessionOptions options = ComparisonOptions.Create(threads))
            dyve = Evaluator.Run(dyveModel, dataFolder, limit, options, dyveProgress, beforeDispose: () => layers = DyveStatistics.Snapshot(options));

        (LatencySummary stockLatency, LatencySummary dyveLatency) = TimeInterleaved(stockModel, dyveModel, dataFolder, threads, timedRuns, batch);
        return new ModelBenchResult(stock, dyve, dyve.Top1Agreement(stock), stockLatency, dyveLatency, layers, threads, batch);
    }

    private static (LatencySummary Stock, LatencySummary Dyve) TimeInterleaved(string stockModel, string dyveModel, string dataFolder, int threads, int runs, int batch)
    {
        using SessionOptions stockOptions = ComparisonOptions.Create(threads);
        using SessionOptions dyveOptions = ComparisonOptions.Create(threads);
        using var stock = new InferenceSession(stockModel, stockOptions);
        using var dyve = new InferenceSession(dyveModel, dyveOptions);
        List<OrtValue> inputs = TimingInputs(stock, stockModel, dataFolder, runs, batch);
        try
        {
            using var runOptions = new RunOptions();
            var stockTimes = new List<double>(runs);
            var dyveTimes = new List<double>(runs);
            int warm = 0;
            Warmup.Run(() =>
            {
                OrtValue input = inputs[warm++ % inputs.Count];
                Time(stock, runOptions, input);
                Time(dyve, runOptions, input);
            });
            for (int run = 0; run < runs; run++)
            {
                OrtValue input = inputs[run % inputs.Count];
                stockTimes.Add(Time(stock, runOptions, input));
                dyveTimes.Add(Time(dyve, runOptions, input));
            }
            return (LatencySummary.Of(stockTimes, batch), LatencySummary.Of(dyveTimes, batch));
        }
        finally
        {
            foreach (OrtValue input in inputs) input.Dispose();
        }
    }

    /// <summary>
    /// The first images of the folder prepared as the model's input tensors of <paramref name="batch"/> images each
    /// (at most 64 tensors, enough for <paramref name="runs"/>); the caller disposes them.
    /// </summary>
    internal static List<OrtValue> TimingInputs(InferenceSession session, string model, string dataFolder, int runs, int batch = 1)
    {
        Preprocessing preprocessing = Evaluator.ReadPreprocessing(session, model);
        using var preprocessor = new ImagePreprocessor(preprocessing);
        IReadOnlyList<LabelledImage> images = LabelledFolder.Read(dataFolder, Math.Min(runs, 64) * batch);
        long[] shape = [batch, .. preprocessing.Input];
        int length = preprocessor.InputLength;
        if (images.Count < batch) throw new ArgumentException($"{dataFolder} has {images.Count} images, fewer than one batch of {batch}");
        return [.. images.Chunk(batch).Where(chunk => chunk.Length == batch).Select(chunk =>
        {
            var values = new float[length * batch];
            for (int i = 0; i < batch; i++) preprocessor.Prepare(chunk[i].Path, values.AsSpan(i * length, length));
            return OrtValue.CreateTensorValueFromMemory(values, shape);
        })];
    }

    private static double Time(InferenceSession session, RunOptions runOptions, OrtValue input) =>
        Time(session, runOptions, [session.InputNames[0]], [input]);

    /// <summary>One run's wall time in milliseconds, its outputs allocated by ORT and released inside the timing, as every timed run here.</summary>
    internal static double Time(InferenceSession session, RunOptions runOptions, IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs)
    {
        long start = Stopwatch.GetTimestamp();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, inputs, [session.OutputNames[0]]);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
