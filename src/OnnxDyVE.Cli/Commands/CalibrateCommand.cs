using System.CommandLine;
using System.Globalization;
using OnnxDyVE.Calibration;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve calibrate model --data CALIBDIR --budget 0.5 -o tuned.onnx</c>: the layers' activation scales, SDSS
/// thresholds in those units, and the largest run-time effort whose top-1 agreement with the unmodified model on
/// the calibration images stays within the budget (<see cref="Calibrator"/>). Prints each layer's saving and the
/// frontier measured on the way.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A rewritten (or plain: it is rewritten first) ONNX model, or a catalogued model's name" };
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled calibration images (default for a catalogued model: its calibration set); never the test set" };
        var budget = new Option<double>("--budget") { Description = "Top-1 agreement with the unmodified model may fall by this many percent", DefaultValueFactory = _ => 0.5 };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The calibrated model to write", Required = true };
        var images = new Option<int>("--images") { Description = "Calibration images to use (a seeded choice from the folder)", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the choice of images", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("calibrate", "Choose DyVE thresholds and the run-time effort on calibration images, within an agreement budget")
        {
            model, data, budget, output, images, seed, threads,
        };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data), result.GetValue(output)!.FullName,
            result.GetValue(images), result.GetValue(seed), new CalibrationOptions(result.GetValue(budget), result.GetValue(threads))));
        return command;
    }

    private static int Run(string modelArgument, DirectoryInfo? data, string output, int imageCount, int seed, CalibrationOptions options)
    {
        try
        {
            options.Validate();
            if (imageCount < 1) throw new ArgumentOutOfRangeException("--images", imageCount, "at least one calibration image");
            (FileInfo file, DirectoryInfo folder) = ModelArguments.Locate(modelArgument, data, calibration: true);
            CalibrationResult result = Calibrate(file.FullName, folder.FullName, imageCount, seed, options);
            ModelFile.Write(result.Model, output);
            Print(result, options, output);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or RewriteException or FormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"dyve calibrate: {e.Message}");
            return 1;
        }
    }

    /// <summary>Reads (and if needed rewrites) the model, loads the images, calibrates with a progress display per stage.</summary>
    public static CalibrationResult Calibrate(string modelPath, string dataFolder, int imageCount, int seed, CalibrationOptions options)
    {
        Onnx.ModelProto model = ModelFile.Read(modelPath);
        if (!model.Graph.Node.Any(n => n.Domain == DyveSchema.Domain))
        {
            Console.WriteLine($"{Path.GetFileName(modelPath)} has no DyVE operators: rewriting it first.");
            model = DyveRewriter.Rewrite(model).Model;
        }
        Preprocessing preprocessing = ReadPreprocessing(model, modelPath);
        int available = LabelledFolder.Read(dataFolder).Count;
        int count = Math.Min(imageCount, available);
        CalibrationImages images;
        using (var loading = new ProgressDisplay(count, "decoding calibration images"))
            images = CalibrationImages.Load(dataFolder, preprocessing, count, seed, loading);

        ProgressDisplay? display = null;
        CalibrationStage? current = null;
        try
        {
            return Calibrator.Run(model, images, options, (stage, done, total) =>
            {
                if (stage != current)
                {
                    display?.Dispose();
                    current = stage;
                    display = new ProgressDisplay(total, StageLabel(stage));
                }
                display!.Report(done);
            });
        }
        finally
        {
            display?.Dispose();
        }
    }

    private static string StageLabel(CalibrationStage stage) => stage switch
    {
        CalibrationStage.Reference => "unmodified model",
        CalibrationStage.Scales => "activation scales",
        CalibrationStage.LayerTrials => "each layer alone (passes)",
        CalibrationStage.Combination => "combining layers (steps)",
        _ => "frontier (efforts)",
    };

    private static Preprocessing ReadPreprocessing(Onnx.ModelProto model, string path)
    {
        string? json = model.MetadataProps.FirstOrDefault(p => p.Key == Preprocessing.MetadataKey)?.Value;
        if (json is null)
            throw new InvalidDataException($"{path} has no '{Preprocessing.MetadataKey}' metadata: convert it with `dyve convert`, which records how its input is prepared");
        return Preprocessing.FromJson(json);
    }

    private static void Print(CalibrationResult result, CalibrationOptions options, string output)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"Calibrated on {result.Images} images, stored at effort {CalibrationOptions.CalibratedEffort} (the model's default; effort 1 doubles every threshold, 0 is exact)"));
        Console.WriteLine(string.Create(c, $"Top-1 agreement with the unmodified model {result.Agreement:0.##}% (budget: at least {100 - options.BudgetPercent:0.##}%), scalar-op reduction {result.OpsReduction:0.00}x over the DyVE layers"));
        Console.WriteLine();
        Console.WriteLine($"{"layer",-28} {"op",-9} {"scale",9} {"SDSS",6} {"MMACs/img",10} {"executed",9} {"approx.",8} {"ops x",7}");
        double perImage = 1e-6 / result.Images;
        foreach (LayerChoice layer in result.Layers)
        {
            Kernels.CounterValues work = layer.Work;
            string approximated = work.Outputs == 0 ? "-" : string.Create(c, $"{100.0 * work.ApproximatedOutputs / work.Outputs:0.0}%");
            string scale = layer.ActivationScale is { } s ? s.ToString("0.###", c) : "-";
            string delta = layer.ActivationScale is null ? "-" : layer.Delta.ToString("0.###", c);
            Console.WriteLine(string.Create(c, $"{layer.Node,-28} {layer.Op,-9} {scale,9} {delta,6} {work.DenseMacs * perImage,10:0.###} {work.ExecutedMacs * perImage,9:0.###} {approximated,8} {work.OpsReduction,7:0.00}"));
        }
        Console.WriteLine();
        Console.WriteLine("Measured frontier (stored in the model, metadata 'onnxdyve.effort_frontier'):");
        Console.WriteLine($"{"effort",8} {"agreement",10} {"ops x",7}");
        foreach (FrontierPoint point in result.Frontier)
            Console.WriteLine(string.Create(c, $"{point.Effort,8:0.###} {point.Agreement,9:0.##}% {point.OpsReduction,7:0.00}"));
        Console.WriteLine($"Wrote {output}");
    }
}
