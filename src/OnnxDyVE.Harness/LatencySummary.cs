namespace OnnxDyVE.Harness;

/// <summary>Percentiles of a set of run times, in milliseconds, and the throughput they give at a batch size.</summary>
public sealed record LatencySummary(double P50Ms, double P90Ms, double P99Ms, double MeanMs, double ImagesPerSecond)
{
    /// <summary>Nearest-rank percentiles of <paramref name="milliseconds"/> (one entry per run of <paramref name="batch"/> images).</summary>
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds, int batch)
    {
        if (milliseconds.Count == 0) throw new ArgumentException("no runs were timed", nameof(milliseconds));
        double[] sorted = [.. milliseconds.Order()];
        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        double mean = sorted.Average();
        return new LatencySummary(Percentile(50), Percentile(90), Percentile(99), mean, batch * 1000 / mean);
    }
}
