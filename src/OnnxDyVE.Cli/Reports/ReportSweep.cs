using OnnxDyVE.Calibration;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Reports;

namespace OnnxDyVE.Cli.Reports;

/// <summary>The speed side of a report's effort figures, measured with a progress bar: only for a model with a frontier.</summary>
internal static class ReportSweep
{
    /// <summary>
    /// <see cref="EffortCurve.Measure"/> on the two models (<paramref name="runs"/> timed runs per effort); <see cref="EffortCurve.None"/>
    /// at once when the DyVE model was never calibrated.
    /// </summary>
    public static EffortCurve Measure(string stockModel, string dyveModel, string dataFolder, int threads, int runs)
    {
        if (EffortFrontier.Read(ModelFile.Read(dyveModel)).Count == 0) return EffortCurve.None;
        using var progress = new ProgressDisplay(runs, "effort sweep (rounds over the frontier's efforts)");
        return EffortCurve.Measure(stockModel, dyveModel, dataFolder, threads, runs, progress);
    }
}
