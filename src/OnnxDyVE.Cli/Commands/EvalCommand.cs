using System.CommandLine;
using System.Text.Json;
using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Cli.Commands;

/// <summary><c>dyve eval</c>: top-1 and top-5 accuracy of a converted model over a labelled image folder.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "An ONNX classifier written by `dyve convert` (it records its own preprocessing)" };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder with images and a labels.txt of '<relative path> <class index>' lines", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N images of labels.txt" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the result as JSON (fields top1, top5 in percent, count, seconds)" };
        var command = new Command("eval", "Measure a model's top-1 and top-5 accuracy on labelled images") { model, data, limit, json };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(limit), result.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo model, DirectoryInfo data, int? limit, FileInfo? json)
    {
        if (limit is <= 0)
        {
            Console.Error.WriteLine("--limit must be at least 1");
            return 2;
        }
        EvaluationResult result;
        try
        {
            int total = LabelledFolder.Read(data.FullName, limit).Count;
            using var progress = new ProgressDisplay(total, $"evaluating {model.Name}");
            result = Evaluator.Run(model.FullName, data.FullName, limit, options: null, progress);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException)
        {
            Console.Error.WriteLine($"dyve eval: {e.Message}");
            return 1;
        }

        Console.WriteLine($"{result.Count} images: top-1 {result.Top1:F2}%, top-5 {result.Top5:F2}% ({result.Seconds:F1} s)");
        if (json is not null)
        {
            var report = new { model = result.Model, data = result.Data, count = result.Count, top1 = result.Top1, top5 = result.Top5, seconds = result.Seconds };
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }
}
