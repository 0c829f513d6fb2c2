using System.Globalization;
using System.Text;
using System.Text.Json;
using OnnxDyVE.Calibration;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Harness;
using OnnxDyVE.Reports;

namespace OnnxDyVE.Cli.Reports;

/// <summary>What <c>dyve bench</c> and <c>dyve demo</c> print and write about a stock-vs-DyVE comparison.</summary>
internal static class BenchReport
{
    /// <summary>The comparison as Markdown tables: both models' accuracy and latency, then every DyVE node's work.</summary>
    public static string Table(ModelBenchResult r)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{r.Stock.Count} images of {r.Stock.Data} (accuracy one image at a time); timing at batch {r.Batch}, {r.Threads} thread(s), {r.StockLatency.P50Ms:F3} ms stock p50");
        text.AppendLine();
        text.AppendLine("| | top-1 | top-5 | p50 ms | p90 ms | p99 ms | images/s |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        text.AppendLine(c, $"| stock ORT | {r.Stock.Top1:F2}% | {r.Stock.Top5:F2}% | {r.StockLatency.P50Ms:F3} | {r.StockLatency.P90Ms:F3} | {r.StockLatency.P99Ms:F3} | {r.StockLatency.ImagesPerSecond:F1} |");
        text.AppendLine(c, $"| DyVE ORT | {r.Dyve.Top1:F2}% | {r.Dyve.Top5:F2}% | {r.DyveLatency.P50Ms:F3} | {r.DyveLatency.P90Ms:F3} | {r.DyveLatency.P99Ms:F3} | {r.DyveLatency.ImagesPerSecond:F1} |");
        text.AppendLine();
        text.AppendLine(c, $"top-1 agreement {r.Agreement:F2}%, speed-up (stock p50 / DyVE p50) {r.Speedup:F2}x, scalar operations (MACs + overhead) {r.OpsReduction:F2}x fewer");
        text.AppendLine();
        text.AppendLine("| DyVE node | op | dense MMACs/image | executed MMACs/image | overhead Mops/image | outputs approximated (SDSS) | outputs stopped (SPET) | ops reduction |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (DyveNodeStatistics layer in r.Layers)
        {
            Kernels.CounterValues w = layer.Counters;
            string approximated = w.Outputs == 0 ? "-" : string.Create(c, $"{100.0 * w.ApproximatedOutputs / w.Outputs:F1}%");
            string stopped = w.Outputs == 0 ? "-" : string.Create(c, $"{100.0 * w.StoppedOutputs / w.Outputs:F1}%");
            text.AppendLine(c, $"| {layer.Node} | {layer.Op} | {w.DenseMacs / 1e6 / r.Dyve.Count:F3} | {w.ExecutedMacs / 1e6 / r.Dyve.Count:F3} | {w.OverheadOps / 1e6 / r.Dyve.Count:F3} | {approximated} | {stopped} | {w.OpsReduction:F2}x |");
        }
        return text.ToString();
    }

    /// <summary>The comparison as JSON (percentages in percent): stock.top1, dyve.top1, agreement, stock.p50_ms, dyve.p50_ms, speedup, ops_reduction, layers[].</summary>
    public static string Json(ModelBenchResult r)
    {
        object Side(EvaluationResult e, LatencySummary l) => new
        {
            model = e.Model, top1 = e.Top1, top5 = e.Top5, p50_ms = l.P50Ms, p90_ms = l.P90Ms, p99_ms = l.P99Ms, mean_ms = l.MeanMs, throughput = l.ImagesPerSecond,
        };
        var document = new
        {
            data = r.Stock.Data, images = r.Stock.Count, threads = r.Threads, batch = r.Batch,
            stock = Side(r.Stock, r.StockLatency), dyve = Side(r.Dyve, r.DyveLatency),
            agreement = r.Agreement, speedup = r.Speedup, ops_reduction = r.OpsReduction,
            layers = r.Layers.Select(l => new
            {
                node = l.Node, op = l.Op, dense_macs = l.Counters.DenseMacs, executed_macs = l.Counters.ExecutedMacs, overhead_ops = l.Counters.OverheadOps,
                outputs = l.Counters.Outputs, approximated_outputs = l.Counters.ApproximatedOutputs, stopped_outputs = l.Counters.StoppedOutputs, ops_reduction = l.Counters.OpsReduction,
            }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The DyVE model's name for the figures' titles: its file name without <c>.onnx</c> and <c>.dyve</c>.</summary>
    private static string ModelName(string dyveModel)
    {
        string name = Path.GetFileNameWithoutExtension(dyveModel);
        return name.EndsWith(".dyve", StringComparison.OrdinalIgnoreCase) ? name[..^".dyve".Length] : name;
    }

    /// <summary>
    /// A Markdown report: the machine, the comparison, for a model calibrated in the same run what calibration
    /// chose and the frontier it measured, and the figures (PNG files beside the report, see <see cref="ReportFigures"/>):
    /// agreement against op reduction and against speed-up across efforts when <paramref name="curve"/> has them,
    /// op reduction per layer.
    /// </summary>
    public static void Write(ModelBenchResult result, CalibrationResult? calibration, EffortCurve curve, string path)
    {
        var text = new StringBuilder();
        text.AppendLine($"# {Path.GetFileName(result.Stock.Model)}: stock ONNX Runtime vs DyVE");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(MachineDescription.Describe());
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine(Table(result));
        if (calibration is not null) text.AppendLine(CalibrationReport.Markdown(calibration));
        text.Append(ReportFigures.Write(path, ModelName(result.Dyve.Model), curve, result.Layers));
        File.WriteAllText(path, text.ToString());
    }
}
