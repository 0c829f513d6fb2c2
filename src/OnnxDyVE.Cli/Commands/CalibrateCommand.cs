using System.CommandLine;
using System.Globalization;
using OnnxDyVE.Calibration;
using OnnxDyVE.Cli.Reports;
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
        var objective = new Option<CalibrationObjective>("--objective") { Description = "What to minimise within the budget: Time (measured; a mechanism only where it makes its layer faster) or Operations (the paper's scalar-op count)", DefaultValueFactory = _ => CalibrationObjective.Time };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("calibrate", "Choose DyVE thresholds and the run-time effort on calibration images, within an agreement budget")
        {
            model, data, budget, output, images, seed, threads, objective,
        };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data), result.GetValue(output)!.FullName,
            result.GetValue(images), result.GetValue(seed), new CalibrationOptions(result.GetValue(budget), result.GetValue(threads), result.GetValue(objective))));
        return command;
    }

    private static int Run(string modelArgument, DirectoryInfo? data, string output, int imageCount, int seed, CalibrationOptions options)
    {
        try
        {
            options.Validate();
            if (imageCount < 1) throw new ArgumentOutOfRangeException("--images", imageCount, "at least one calibration image");
            (FileInfo file, DirectoryInfo folder) = ModelArguments.Locate(modelArgument, data, calibration: true);
            CalibrationResult result = Calibrate(ReadDyve(file.FullName), file.FullName, folder.FullName, imageCount, seed, options);
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

    /// <summary>The model at <paramref name="path"/>, rewritten first when it has no DyVE operators.</summary>
    private static Onnx.ModelProto ReadDyve(string path)
    {
        Onnx.ModelProto model = ModelFile.Read(path);
        if (model.Graph.Node.Any(n => n.Domain == DyveSchema.Domain)) return model;
        Console.WriteLine($"{Path.GetFileName(path)} has no DyVE operators: rewriting it first.");
        return DyveRewriter.Rewrite(model).Model;
    }

    /// <summary>Loads the images and calibrates <paramref name="model"/> (rewritten), with a progress display per stage.</summary>
    public static CalibrationResult Calibrate(Onnx.ModelProto model, string modelPath, string dataFolder, int imageCount, int seed, CalibrationOptions options)
    {
        Preprocessing preprocessing = Preprocessing.FromMetadata(model.MetadataProps.FirstOrDefault(p => p.Key == Preprocessing.MetadataKey)?.Value, modelPath);
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
        CalibrationStage.Pairs => "near-equal input maps (SFMA)",
        CalibrationStage.LayerTrials => "each layer alone (passes)",
        CalibrationStage.Combination => "combining layers (steps)",
        CalibrationStage.HeldOutCheck => "checking on every image (passes)",
        _ => "frontier (efforts)",
    };

    private static void Print(CalibrationResult result, CalibrationOptions options, string output)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Budget: top-1 agreement with the unmodified model at least {100 - options.BudgetPercent:0.##}% on the calibration images chosen on and on those held out, and as expected on further images from the held-out margins."));
        Console.WriteLine(CalibrationReport.Markdown(result));
        Console.WriteLine($"Wrote {output}");
    }
}
