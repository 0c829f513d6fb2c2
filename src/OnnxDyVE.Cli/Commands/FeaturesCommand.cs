using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve features --dyve D [--stock S] --data DIR --json out.json</c>: for a feature extractor, which has no
/// classes and so no top-1, how closely the DyVE model's outputs follow stock's (<see cref="FeatureComparison"/>):
/// agreement of the top feature and the cosine similarity of the vectors.
/// </summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var stock = new Option<FileInfo?>("--stock") { Description = "The stock model (default: recovered from --dyve, exactly)" };
        var dyve = new Option<FileInfo>("--dyve") { Description = "The DyVE model (rewritten, calibrated)", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "Images with a labels.txt (the labels are not used)", Required = true };
        var limit = new Option<int?>("--limit") { Description = "The first N images only" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads of both sessions", DefaultValueFactory = _ => 1 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result as JSON" };
        var command = new Command("features", "Compare a DyVE feature extractor's outputs with stock's: top-feature agreement and cosine similarity")
        {
            stock, dyve, data, limit, threads, json,
        };
        command.SetAction(result =>
        {
            try
            {
                FileInfo dyveModel = result.GetValue(dyve)!;
                string stockModel = result.GetValue(stock)?.FullName ?? RestoreStock(dyveModel);
                int? count = result.GetValue(limit);
                if (count is <= 0 || result.GetValue(threads) < 1) throw new ArgumentException("--limit and --threads must be at least 1");
                FeatureComparisonResult r = FeatureComparison.Run(stockModel, dyveModel.FullName, result.GetValue(data)!.FullName, count, result.GetValue(threads));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Count} images, {r.Features} features: top feature agreement {r.TopFeatureAgreement:F2}%, cosine similarity mean {r.MeanCosine:F5}, lowest {r.MinCosine:F5}"));
                if (result.GetValue(json) is FileInfo file)
                    File.WriteAllText(file.FullName, JsonSerializer.Serialize(new
                    {
                        data = r.Data, images = r.Count, features = r.Features, top_feature_agreement = r.TopFeatureAgreement,
                        mean_cosine = r.MeanCosine, min_cosine = r.MinCosine,
                    }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or UnauthorizedAccessException
                                          or RewriteException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                Console.Error.WriteLine($"dyve features: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The stock model recovered from the DyVE one, beside it as &lt;name&gt;.stock.onnx (as dyve bench does).</summary>
    private static string RestoreStock(FileInfo dyve)
    {
        string path = Path.Combine(dyve.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(dyve.Name) + ".stock.onnx");
        ModelFile.Write(StockRestorer.Restore(ModelFile.Read(dyve.FullName)), path);
        return path;
    }
}
