using System.Globalization;
using System.Text;
using OnnxDyVE.Fuzz.Tests.Support;
using Xunit.Abstractions;

namespace OnnxDyVE.Fuzz.Tests.Soak;

/// <summary>
/// One DyVE session (cifar10_quick, SDSS on, effort changing per run) served from 8 threads: every output equals
/// the single-threaded one at the same effort, bit for bit. The short version runs in the default test command;
/// the soak (at least 10,000 runs and ONNXDYVE_SOAK_MINUTES minutes, memory sampled every 10 s) runs only when
/// that variable is set:
/// <c>ONNXDYVE_SOAK_MINUTES=10 dotnet test tests/OnnxDyVE.Fuzz.Tests -c Release --filter Category=Soak --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ConcurrentEffortTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    public const string SoakMinutesVariable = "ONNXDYVE_SOAK_MINUTES";

    [Fact]
    public void Eight_threads_at_changing_effort_reproduce_single_threaded_outputs()
    {
        using EffortServing? serving = EffortServing.Create(imageCount: 8);
        if (serving is null) return;
        Assert.True(serving.ImagesChangedByEffort > 0, "no image's output changes between effort 0 and 1: the threshold is too small for the test to mean anything");

        ServingReport report = serving.Serve(Threads, minimumRuns: 800, TimeSpan.Zero, TimeSpan.FromSeconds(1), seed: 1);

        output.WriteLine(Describe(report, serving));
        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
        Assert.Equal(0, report.Mismatches);
        Assert.True(report.Runs >= 800);
    }

    /// <summary>
    /// The soak: memory is flat when, from the sample after the first tenth of the run (caches and pools warmed)
    /// to the last, the working set grows by less than 64 MB and the GC heap by less than 16 MB.
    /// </summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_eight_threads_for_minutes_with_flat_memory()
    {
        if (!double.TryParse(Environment.GetEnvironmentVariable(SoakMinutesVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) || minutes <= 0)
            return;
        using EffortServing? serving = EffortServing.Create(imageCount: 32);
        if (serving is null) return;

        ServingReport report = serving.Serve(Threads, minimumRuns: 10_000, TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(10), seed: 2);

        string description = Describe(report, serving);
        output.WriteLine(description);
        if (Environment.GetEnvironmentVariable("ONNXDYVE_SOAK_REPORT") is { Length: > 0 } path) File.WriteAllText(path, description);
        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
        Assert.Equal(0, report.Mismatches);
        MemorySample warm = report.Samples.First(s => s.At >= report.Duration / 10);
        MemorySample last = report.Samples[^1];
        Assert.True(last.WorkingSet - warm.WorkingSet < 64L << 20, $"working set grew from {warm.WorkingSet:N0} to {last.WorkingSet:N0} bytes");
        Assert.True(last.GcHeap - warm.GcHeap < 16L << 20, $"GC heap grew from {warm.GcHeap:N0} to {last.GcHeap:N0} bytes");
    }

    private static string Describe(ServingReport report, EffortServing serving)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{report.Runs:N0} runs from {report.Threads} threads in {report.Duration.TotalSeconds:0.0} s "
            + $"({report.Runs / report.Duration.TotalSeconds:0} runs/s), {report.Mismatches} mismatches, {report.Problems.Count} problems; "
            + $"{serving.Images.Count} images x {EffortServing.Efforts.Length} efforts, {serving.ImagesChangedByEffort} images changed by effort");
        text.AppendLine("  time (s)      runs   working set (MB)   GC heap (MB)   GC committed (MB)");
        foreach (MemorySample s in report.Samples)
            text.AppendLine(CultureInfo.InvariantCulture, $"  {s.At.TotalSeconds,8:0.0} {s.Runs,9:N0} {s.WorkingSet / 1048576.0,18:0.0} {s.GcHeap / 1048576.0,14:0.0} {s.GcCommitted / 1048576.0,19:0.0}");
        return text.ToString();
    }
}
