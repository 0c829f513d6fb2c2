using System.Globalization;
using Google.Protobuf;
using OnnxDyVE.Calibration;
using OnnxDyVE.Cli.Commands;
using OnnxDyVE.Cli.Reports;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;
using OnnxDyVE.Reports;

namespace OnnxDyVE.Cli.Demo;

/// <summary>
/// One catalogued Caffe model end to end: convert it, rewrite it to DyVE operators, calibrate it on its
/// calibration images (when given), and compare it with the stock model by <see cref="ModelBench"/> on its
/// labelled test images (accuracy, agreement, latency, the work DyVE did); a Markdown report and JSON beside it.
/// </summary>
internal static class ModelDemo
{
    /// <summary>
    /// Calibration settings of the demo: the issue's budget, on enough calibration images for the held-out ones to
    /// show it kept (2,400; CIFAR-10's take half a minute).
    /// </summary>
    private const double Budget = 0.5;
    private static readonly int CalibrationImageCount = CalibrationOptions.ImagesToCertify(Budget)!.Value;

    /// <param name="calibrationFolder">Calibration images; null runs the model in exact mode (effort off).</param>
    /// <returns>Whether the DyVE model kept the budget on the test images (agreement 100% in exact mode).</returns>
    public static bool Run(ResolvedModel model, string dataFolder, string? calibrationFolder, int? limit, int threads, int runs, string reportFolder)
    {
        CatalogEntry entry = model.Entry;
        Console.WriteLine($"== {entry.Name}: {entry.Description}");
        CaffeConversion conversion = CatalogConversion.Convert(model);
        RewriteResult rewrite = DyveRewriter.Rewrite(conversion.Model);
        Console.WriteLine($"converted from Caffe: {conversion.Model.Graph.Node.Count} ONNX nodes, {conversion.ParameterCount:N0} parameters; " +
            $"rewritten: {rewrite.Report.RewrittenCount(Schema.DyveSchema.ConvOp)} DyveConv, {rewrite.Report.RewrittenCount(Schema.DyveSchema.GemmOp)} DyveGemm");

        string folder = Directory.CreateTempSubdirectory("onnxdyve-demo-").FullName;
        try
        {
            string stockPath = Path.Combine(folder, $"{entry.Name}.onnx");
            string dyvePath = Path.Combine(folder, $"{entry.Name}.dyve.onnx");
            File.WriteAllBytes(stockPath, conversion.Model.ToByteArray());
            CalibrationResult? calibration = null;
            if (calibrationFolder is not null)
            {
                calibration = CalibrateCommand.Calibrate(rewrite.Model, dyvePath, calibrationFolder, CalibrationImageCount, seed: 1,
                    new CalibrationOptions(Budget, Environment.ProcessorCount));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibrated on {calibration.Images} images of {Path.GetFileName(calibrationFolder)}: agreement {calibration.Agreement:0.##}% (budget {100 - Budget:0.#}%), {calibration.OpsReduction:0.00}x fewer ops"));
            }
            File.WriteAllBytes(dyvePath, (calibration?.Model ?? rewrite.Model).ToByteArray());

            int total = LabelledFolder.Read(dataFolder, limit).Count;
            ModelBenchResult result;
            using (var stockProgress = new ProgressDisplay(total, "stock model"))
            using (var dyveProgress = new ProgressDisplay(total, "DyVE model"))
                result = ModelBench.Run(stockPath, dyvePath, dataFolder, limit, threads, runs, stockProgress, dyveProgress);

            string reference = entry.Reference is { Top1: { } top1 } r ? $" (published: {top1:F2}%, {r.Source})" : "";
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c,
                $"accuracy on {result.Stock.Count} images of {Path.GetFileName(Path.GetDirectoryName(dataFolder + "/"))}: stock top-1 {result.Stock.Top1:F2}%, DyVE top-1 {result.Dyve.Top1:F2}%{reference}"));
            Console.WriteLine(string.Create(c,
                $"top-1 agreement DyVE vs stock: {result.Agreement:F2}%; DyVE nodes executed {result.Total.ExecutedMacs / 1e6 / result.Stock.Count:F2} of {result.Total.DenseMacs / 1e6 / result.Stock.Count:F2} dense MMACs per image ({result.OpsReduction:F2}x fewer ops)"));
            Console.WriteLine(string.Create(c,
                $"whole model, batch 1, {threads} thread(s), p50 of {runs} interleaved runs on real images: stock {result.StockLatency.P50Ms:F3} ms, DyVE {result.DyveLatency.P50Ms:F3} ms ({result.Speedup:F2}x)"));
            Directory.CreateDirectory(reportFolder);
            string report = Path.Combine(reportFolder, $"{entry.Name}.md");
            EffortCurve curve = ReportSweep.Measure(stockPath, dyvePath, dataFolder, threads, runs);
            BenchReport.Write(result, calibration, curve, report);
            File.WriteAllText(Path.ChangeExtension(report, ".json"), BenchReport.Json(result));
            Console.WriteLine($"report: {report}");
            Console.WriteLine();
            return calibration is null ? result.Agreement == 100 : result.Agreement >= 100 - 2 * Budget;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
