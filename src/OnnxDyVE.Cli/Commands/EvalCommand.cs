using System.CommandLine;
using System.Text.Json;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve eval</c>: top-1 and top-5 accuracy of a converted model over a labelled image folder. The model is an
/// ONNX file, or a name from the model catalogue (converted from its checked files, evaluated on its test set).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "An ONNX classifier written by `dyve convert` (it records its own preprocessing), or a catalogued model's name (models/catalog.json)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder with images and a labels.txt of '<relative path> <class index>' lines (default for a catalogued model: its test set)" };
        var dyve = new Option<bool>("--dyve") { Description = "Rewrite the model to DyVE operators first (`dyve rewrite`)" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N images of labels.txt" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the result as JSON (fields top1, top5 in percent, count, seconds)" };
        var stats = new Option<bool>("--stats") { Description = "Print what each DyVE node executed against the dense work it replaces" };
        var effort = new Option<float?>("--effort") { Description = "Run-time effort in [0, 1] fed to a DyVE model (default: the model's own, as calibrated)" };
        var command = new Command("eval", "Measure a model's top-1 and top-5 accuracy on labelled images (stock or DyVE-rewritten)") { model, data, limit, json, stats, dyve, effort };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data), result.GetValue(limit), result.GetValue(json), result.GetValue(stats),
            result.GetValue(dyve), result.GetValue(effort)));
        return command;
    }

    private static int Run(string modelArgument, DirectoryInfo? dataArgument, int? limit, FileInfo? json, bool stats, bool rewrite, float? effort)
    {
        if (limit is <= 0)
        {
            Console.Error.WriteLine("--limit must be at least 1");
            return 2;
        }
        EvaluationResult result;
        IReadOnlyList<DyveNodeStatistics> work = [];
        try
        {
            (FileInfo model, DirectoryInfo data) = ModelArguments.Locate(modelArgument, dataArgument);
            if (rewrite) model = ModelArguments.Rewrite(model);
            int total = LabelledFolder.Read(data.FullName, limit).Count;
            using var progress = new ProgressDisplay(total, $"evaluating {model.Name}");
            // DyVE's operators are registered for every model: a stock one simply has none of them.
            // Warnings off: a DyVE model's effort input (an overridable initializer) draws one on every session.
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            options.AppendDyVE();
            result = Evaluator.Run(model.FullName, data.FullName, limit, options, progress, beforeDispose: () => work = DyveStatistics.Snapshot(options), effort: effort);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException
                                      or ModelFilesMissingException or KeyNotFoundException or RewriteException)
        {
            Console.Error.WriteLine($"dyve eval: {e.Message}");
            return 1;
        }

        Console.WriteLine($"{result.Count} images: top-1 {result.Top1:F2}%, top-5 {result.Top5:F2}% ({result.Seconds:F1} s)");
        if (stats) PrintStatistics(work);
        if (json is not null)
        {
            var report = new { model = result.Model, data = result.Data, count = result.Count, top1 = result.Top1, top5 = result.Top5, seconds = result.Seconds };
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private static void PrintStatistics(IReadOnlyList<DyveNodeStatistics> nodes)
    {
        if (nodes.Count == 0)
        {
            Console.WriteLine("No DyVE nodes: rewrite the model with `dyve rewrite` first.");
            return;
        }
        // Ops = executed MACs + overhead (the mechanisms' comparisons and interpolations): the paper's metric.
        // approx.: outputs SDSS interpolated; stopped: outputs SPET stopped after the prefix; folded: input maps SFMA folded, merged: pairs of input maps SFMA merged, per run.
        Console.WriteLine($"{"node",-28} {"op",-9} {"runs",7} {"dense MMACs",13} {"executed MMACs",15} {"overhead Mops",14} {"approx.",8} {"stopped",8} {"folded",8} {"merged",8} {"ops x",8} {"ms/run",8}");
        foreach (DyveNodeStatistics node in nodes)
        {
            OnnxDyVE.Kernels.CounterValues c = node.Counters;
            string approximated = c.Outputs == 0 ? "-" : $"{100.0 * c.ApproximatedOutputs / c.Outputs:F1}%";
            string stopped = c.Outputs == 0 ? "-" : $"{100.0 * c.StoppedOutputs / c.Outputs:F1}%";
            Console.WriteLine($"{node.Node,-28} {node.Op,-9} {c.Runs,7} {c.DenseMacs / 1e6,13:F1} {c.ExecutedMacs / 1e6,15:F1} {c.OverheadOps / 1e6,14:F2} {approximated,8} {stopped,8} {(double)c.FoldedMaps / Math.Max(1, c.Runs),8:F1} {(double)c.MergedPairs / Math.Max(1, c.Runs),8:F1} {c.OpsReduction,7:F2}x {1e3 * c.RunSeconds / Math.Max(1, c.Runs),8:F3}");
        }
        OnnxDyVE.Kernels.CounterValues all = nodes.Aggregate(default(OnnxDyVE.Kernels.CounterValues), (sum, n) => sum + n.Counters);
        Console.WriteLine($"{"all DyVE nodes",-28} {"",-9} {"",7} {all.DenseMacs / 1e6,13:F1} {all.ExecutedMacs / 1e6,15:F1} {all.OverheadOps / 1e6,14:F2} {"",8} {"",8} {"",8} {"",8} {all.OpsReduction,7:F2}x {1e3 * all.RunSeconds / Math.Max(1, nodes.Max(n => n.Counters.Runs)),8:F3}");
    }
}
