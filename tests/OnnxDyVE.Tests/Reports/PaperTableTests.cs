using OnnxDyVE.Reports;

namespace OnnxDyVE.Tests.Reports;

/// <summary>The paper's table from the JSON files build/paper-table.sh leaves: rows per model, variant and threads.</summary>
public sealed class PaperTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("paper-table-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Bench(string name, double stockTop1, double speedup) => File.WriteAllText(Path.Combine(_folder, name), $$"""
        { "data": "d", "images": 100, "threads": 1, "batch": 1,
          "stock": { "top1": {{stockTop1}}, "top5": 90, "p50_ms": 2.0 }, "dyve": { "top1": 74.5, "top5": 90, "p50_ms": {{2.0 / speedup}} },
          "agreement": 99.5, "speedup": {{speedup}}, "ops_reduction": 2.75, "layers": [] }
        """);

    [Fact]
    public void Rows_come_in_catalogue_order_with_features_and_dense_models_apart()
    {
        Bench("cifar10_quick__t2__time.bench.json", 74.91, 1.25);
        Bench("cifar10_quick__t1__operations.bench.json", 74.91, 0.8);
        Bench("resnet18__t1__operations.bench.json", 0, 1.1);
        File.WriteAllText(Path.Combine(_folder, "resnet18__t1__operations.features.json"),
            """{ "images": 100, "features": 512, "top_feature_agreement": 97.0, "mean_cosine": 0.9987, "min_cosine": 0.99 }""");
        Bench("vgg16__t1__dense.bench.json", 0.1, 0.83);
        File.WriteAllText(Path.Combine(_folder, PaperTable.NotesFile), "- a note");
        string output = Path.Combine(_folder, "results.md");

        IReadOnlyList<PaperTable.Row> rows = PaperTable.Write(_folder, output, "machine: test", new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), ["cifar10_quick"]);

        Assert.Equal(["cifar10_quick/1/operations", "cifar10_quick/2/time", "resnet18/1/operations", "vgg16/1/dense"],
            rows.Select(r => $"{r.Model}/{r.Threads}/{r.Variant}"));
        string text = File.ReadAllText(output);
        Assert.Contains("| cifar10_quick | operations | 1 | 100 | 74.91% | 74.50% | 99.50% | - | 2.75x | 2.000 | 2.500 | 0.80x |", text);
        Assert.Contains("| resnet18 | operations | 1 | 100 | n/a (features) | n/a (features) | 97.00% (top feature) | 0.9987 / 0.9900 |", text);
        Assert.Contains("| vgg16 | 1 | 2.000 | 2.410 | 0.83x |", text);
        Assert.Contains("Random weights", text);
        Assert.Contains("date: 2026-11-26 12:00 UTC", text);
        Assert.Contains("- a note", text);
    }

    [Fact]
    public void A_misnamed_or_incomplete_file_is_an_error_naming_it()
    {
        File.WriteAllText(Path.Combine(_folder, "cifar10_quick.bench.json"), "{}");
        Assert.Contains("cifar10_quick.bench.json", Assert.Throws<FormatException>(() => PaperTable.Read(_folder)).Message);

        File.Delete(Path.Combine(_folder, "cifar10_quick.bench.json"));
        File.WriteAllText(Path.Combine(_folder, "m__t1__time.bench.json"), """{ "images": 1 }""");
        Assert.Contains("'stock'", Assert.Throws<FormatException>(() => PaperTable.Read(_folder)).Message);
    }
}
