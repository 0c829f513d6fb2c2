using OnnxDyVE.Calibration;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Reports;

/// <summary>
/// A calibrated DyVE model across its run-time efforts: the frontier calibration stored in it (top-1 agreement and
/// op reduction on the calibration images) and, at the same efforts, its speed-up over the stock model.
/// </summary>
/// <param name="DefaultEffort">The model's default effort (the calibrated one), or null for a model without frontier.</param>
public sealed record EffortCurve(IReadOnlyList<FrontierPoint> Frontier, IReadOnlyList<EffortTiming> Timings, float? DefaultEffort)
{
    /// <summary>A model that was never calibrated: nothing to draw across efforts.</summary>
    public static EffortCurve None { get; } = new([], [], null);

    /// <summary>
    /// Reads the frontier of <paramref name="dyveModel"/> and times it at each of its efforts against
    /// <paramref name="stockModel"/> (<see cref="EffortSweep"/>); <see cref="None"/>, timing nothing, when the
    /// model has no frontier.
    /// </summary>
    public static EffortCurve Measure(string stockModel, string dyveModel, string dataFolder, int threads, int timedRuns, IProgress<int>? progress = null)
    {
        Onnx.ModelProto model = ModelFile.Read(dyveModel);
        IReadOnlyList<FrontierPoint> frontier = EffortFrontier.Read(model);
        if (frontier.Count == 0) return None;
        IReadOnlyList<EffortTiming> timings = EffortSweep.Run(stockModel, dyveModel, dataFolder, [.. frontier.Select(p => p.Effort)], threads, timedRuns, progress);
        return new EffortCurve(frontier, timings, EffortInput.Default(model));
    }
}
