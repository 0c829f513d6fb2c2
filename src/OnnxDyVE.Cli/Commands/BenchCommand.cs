using System.CommandLine;
using OnnxDyVE.Cli.Reports;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;
using OnnxDyVE.Reports;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve bench</c>: stock ONNX Runtime on a model against DyVE ONNX Runtime on its rewritten form, in one process:
/// accuracy of both, their agreement, latency percentiles, speed-up and the work DyVE skipped.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "A stock ONNX model (or a catalogued model's name); it is rewritten to DyVE for the comparison", Arity = ArgumentArity.ZeroOrOne };
        var stock = new Option<FileInfo?>("--stock") { Description = "The stock model, when the DyVE one is given separately with --dyve" };
        var dyve = new Option<FileInfo?>("--dyve") { Description = "The DyVE model (rewritten, calibrated); without --stock, the stock model is recovered from it" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Labelled images (default for a catalogued model: its test set)" };
        var limit = new Option<int?>("--limit") { Description = "Measure accuracy on the first N images only" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads of both sessions", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "Images per timed run (accuracy is measured one image at a time)", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per model, interleaved, after warm-up", DefaultValueFactory = _ => 100 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result as JSON" };
        var report = new Option<FileInfo?>("--report") { Description = "Write a Markdown report, with PNG plots beside it (a calibrated DyVE model is also timed at each effort of its frontier, --runs per effort)" };
        var command = new Command("bench", "Compare stock ONNX Runtime with DyVE on a model: accuracy, agreement, latency, speed-up, work skipped")
        {
            model, stock, dyve, data, limit, threads, batch, runs, json, report,
        };
        command.SetAction(result => Run(result.GetValue(model), result.GetValue(stock), result.GetValue(dyve), result.GetValue(data),
            result.GetValue(limit), result.GetValue(threads), result.GetValue(batch), result.GetValue(runs), result.GetValue(json), result.GetValue(report)));
        return command;
    }

    private static int Run(string? model, FileInfo? stock, FileInfo? dyve, DirectoryInfo? data, int? limit, int threads, int batch, int runs,
        FileInfo? json, FileInfo? report)
    {
        if (threads < 1 || runs < 1 || batch < 1 || limit is <= 0)
        {
            Console.Error.WriteLine("--threads, --batch, --runs and --limit must be at least 1");
            return 2;
        }
        ModelBenchResult result;
        EffortCurve curve = EffortCurve.None;
        try
        {
            (FileInfo stockModel, FileInfo dyveModel, DirectoryInfo folder) = Models(model, stock, dyve, data);
            int total = LabelledFolder.Read(folder.FullName, limit).Count;
            using (var stockProgress = new ProgressDisplay(total, "stock model"))
            using (var dyveProgress = new ProgressDisplay(total, "DyVE model"))
                result = ModelBench.Run(stockModel.FullName, dyveModel.FullName, folder.FullName, limit, threads, runs, stockProgress, dyveProgress, batch);
            if (report is not null) curve = ReportSweep.Measure(stockModel.FullName, dyveModel.FullName, folder.FullName, threads, runs);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException
                                      or ModelFilesMissingException or KeyNotFoundException or RewriteException)
        {
            Console.Error.WriteLine($"dyve bench: {e.Message}");
            return 1;
        }

        Console.WriteLine(BenchReport.Table(result));
        if (json is not null) File.WriteAllText(json.FullName, BenchReport.Json(result));
        if (report is not null) BenchReport.Write(result, calibration: null, curve, report.FullName);
        return 0;
    }

    /// <summary>The two models and the data: a model to rewrite here, or a stock and a DyVE model given apart.</summary>
    private static (FileInfo Stock, FileInfo Dyve, DirectoryInfo Data) Models(string? model, FileInfo? stock, FileInfo? dyve, DirectoryInfo? data)
    {
        if (model is not null)
        {
            if (stock is not null || dyve is not null) throw new ArgumentException("give a model, or --stock and --dyve, not both");
            (FileInfo located, DirectoryInfo folder) = ModelArguments.Locate(model, data);
            return (located, ModelArguments.Rewrite(located), folder);
        }
        if (dyve is null) throw new ArgumentException("give a model to rewrite, or --dyve (with --stock, or alone: the stock model is then recovered from it)");
        DirectoryInfo images = data ?? throw new ArgumentException("--data is required with --dyve");
        return (stock ?? RestoreStock(dyve), dyve, images);
    }

    /// <summary>The stock model recovered from a DyVE one (exact: DyVE operators back to Conv/Gemm + activation), beside it.</summary>
    private static FileInfo RestoreStock(FileInfo dyve)
    {
        Onnx.ModelProto restored = StockRestorer.Restore(ModelFile.Read(dyve.FullName));
        string path = Path.Combine(dyve.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(dyve.Name) + ".stock.onnx");
        ModelFile.Write(restored, path);
        return new FileInfo(path);
    }
}
