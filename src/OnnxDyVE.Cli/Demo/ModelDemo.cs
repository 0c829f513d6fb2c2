using System.Globalization;
using Google.Protobuf;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;

namespace OnnxDyVE.Cli.Demo;

/// <summary>
/// One catalogued Caffe model end to end: convert it, rewrite it to DyVE operators, measure both on the model's
/// labelled test images (accuracy, top-1 agreement, the work DyVE did), and time both side by side.
/// </summary>
internal static class ModelDemo
{
    /// <returns>Whether the DyVE model agreed with the stock one on every image (true in exact mode).</returns>
    public static bool Run(ResolvedModel model, string dataFolder, int? limit, int threads, int runs)
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
            byte[] stockModel = conversion.Model.ToByteArray();
            byte[] dyveModel = rewrite.Model.ToByteArray();
            File.WriteAllBytes(stockPath, stockModel);
            File.WriteAllBytes(dyvePath, dyveModel);

            EvaluationResult stock = Evaluate(stockPath, dataFolder, limit, threads, "stock", out _);
            EvaluationResult dyve = Evaluate(dyvePath, dataFolder, limit, threads, "DyVE", out IReadOnlyList<DyveNodeStatistics> work);
            double agreement = dyve.Top1Agreement(stock);
            long dense = work.Sum(n => n.Counters.DenseMacs), executed = work.Sum(n => n.Counters.ExecutedMacs);
            string reference = entry.Reference is { Top1: { } top1 } r ? $" (published: {top1:F2}%, {r.Source})" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy on {stock.Count} images of {Path.GetFileName(Path.GetDirectoryName(dataFolder + "/"))}: stock top-1 {stock.Top1:F2}%, DyVE top-1 {dyve.Top1:F2}%{reference}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"top-1 agreement DyVE vs stock: {agreement:F2}%; DyVE nodes executed {executed / 1e6 / stock.Count:F2} of {dense / 1e6 / stock.Count:F2} dense MMACs per image ({(executed == 0 ? 0 : (double)dense / executed):F2}x fewer)"));

            Preprocessing preprocessing = conversion.Preprocessing
                ?? throw new InvalidDataException($"{entry.Name} converted without preprocessing metadata");
            float[] input = FirstImage(preprocessing, dataFolder, out long[] shape);
            SideBySideResult timing = SideBySide.Run(stockModel, dyveModel, input, shape, threads, runs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"whole model, batch 1, {threads} thread(s), median of {runs}: stock {timing.StockMedianMs:F3} ms, DyVE {timing.DyveMedianMs:F3} ms ({timing.Speedup:F2}x)"));
            Console.WriteLine();
            return agreement == 100;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static EvaluationResult Evaluate(string modelPath, string dataFolder, int? limit, int threads, string label,
        out IReadOnlyList<DyveNodeStatistics> work)
    {
        int total = LabelledFolder.Read(dataFolder, limit).Count;
        using var options = ComparisonOptions.Create(threads);
        using var progress = new ProgressDisplay(total, $"{label} model");
        var before = DyveStatistics.Snapshot().Select(s => (s.Node, s.Op)).ToHashSet();
        IReadOnlyList<DyveNodeStatistics> during = [];
        EvaluationResult result = Evaluator.Run(modelPath, dataFolder, limit, options, progress,
            beforeDispose: () => during = DyveStatistics.Snapshot().Where(s => !before.Contains((s.Node, s.Op))).ToList());
        work = during;
        return result;
    }

    /// <summary>The first labelled image, prepared as the model expects, for timing on real data.</summary>
    private static float[] FirstImage(Preprocessing preprocessing, string dataFolder, out long[] shape)
    {
        using var preprocessor = new ImagePreprocessor(preprocessing);
        var input = new float[preprocessor.InputLength];
        preprocessor.Prepare(LabelledFolder.Read(dataFolder, 1)[0].Path, input);
        shape = [1, .. preprocessing.Input];
        return input;
    }
}
