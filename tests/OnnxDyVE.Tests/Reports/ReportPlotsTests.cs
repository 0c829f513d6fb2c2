using System.Text.RegularExpressions;
using OnnxDyVE.Calibration;
using OnnxDyVE.Harness;
using OnnxDyVE.Kernels;
using OnnxDyVE.Reports;
using SkiaSharp;

namespace OnnxDyVE.Tests.Reports;

/// <summary>The report's pictures from hand-made results: valid PNG files of the stated size, linked from the report's Markdown.</summary>
public sealed partial class ReportPlotsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-plots-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly FrontierPoint[] s_frontier =
    [
        new(0f, 100, 1.02), new(0.25f, 99.5, 1.9), new(0.5f, 99.0, 2.6), new(0.75f, 97.5, 3.1), new(1f, 94.0, 3.5),
    ];

    private static EffortTiming Timing(float effort, double dyveMs) =>
        new(effort, new LatencySummary(1.0, 1.1, 1.2, 1.05, 950), new LatencySummary(dyveMs, dyveMs, dyveMs, dyveMs, 1000 / dyveMs));

    private static readonly EffortTiming[] s_timings = [Timing(0f, 1.25), Timing(0.25f, 1.0), Timing(0.5f, 0.8), Timing(0.75f, 0.7), Timing(1f, 0.65)];

    private static readonly DyveNodeStatistics[] s_layers =
    [
        new("conv1/Conv", Schema.DyveSchema.ConvOp, new CounterValues(10, ExecutedMacs: 800, DenseMacs: 1000, OverheadOps: 50)),
        new("conv2/Conv", Schema.DyveSchema.ConvOp, new CounterValues(10, ExecutedMacs: 300, DenseMacs: 1000, OverheadOps: 40, Outputs: 100, ApproximatedOutputs: 60)),
        new("ip1/Gemm", Schema.DyveSchema.GemmOp, new CounterValues(10, ExecutedMacs: 500, DenseMacs: 1000)),
    ];

    [Fact]
    public void The_frontier_is_drawn_as_a_png_of_the_plot_size()
    {
        string path = Path.Combine(_folder, "frontier.png");
        ReportPlots.Frontier("tiny", s_frontier, defaultEffort: 0.5f, path);
        AssertPng(path, ReportPlots.Width, ReportPlots.Height);
    }

    [Fact]
    public void Agreement_against_speedup_is_drawn_as_a_png_of_the_plot_size()
    {
        string path = Path.Combine(_folder, "speedup.png");
        ReportPlots.Speedup("tiny", s_frontier, s_timings, defaultEffort: 0.5f, path);
        AssertPng(path, ReportPlots.Width, ReportPlots.Height);
    }

    [Fact]
    public void Speedup_needs_timings_at_the_frontiers_efforts()
    {
        string path = Path.Combine(_folder, "speedup.png");
        Assert.Throws<ArgumentException>(() => ReportPlots.Speedup("tiny", s_frontier, [Timing(0.3f, 1)], defaultEffort: null, path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Layers_are_drawn_as_a_png_that_grows_with_the_layer_count()
    {
        string path = Path.Combine(_folder, "layers.png");
        ReportPlots.Layers("tiny", s_layers, path);
        AssertPng(path, ReportPlots.Width, ReportPlots.Height);

        DyveNodeStatistics[] many = [.. Enumerable.Range(0, 40).Select(i => s_layers[i % 3] with { Node = $"layer{i}" })];
        ReportPlots.Layers("deep", many, path);
        (int width, int height) = ReportPlots.LayersSize(many.Length);
        Assert.True(height > ReportPlots.Height);
        AssertPng(path, width, height);
    }

    [Fact]
    public void The_figures_are_written_beside_the_report_and_linked_relative_to_it()
    {
        string report = Path.Combine(_folder, "my model.md");
        string markdown = ReportFigures.Write(report, "tiny", new EffortCurve(s_frontier, s_timings, 0.5f), s_layers);

        string[] links = Links(markdown);
        Assert.Equal(["my%20model.frontier.png", "my%20model.speedup.png", "my%20model.layers.png"], links);
        foreach (string link in links)
            AssertPng(Path.Combine(_folder, Uri.UnescapeDataString(link)), expectedWidth: ReportPlots.Width, expectedHeight: ReportPlots.Height);
        Assert.StartsWith("## Figures", markdown);
    }

    [Fact]
    public void A_model_without_frontier_gets_the_per_layer_figure_only()
    {
        string report = Path.Combine(_folder, "plain.md");
        string markdown = ReportFigures.Write(report, "plain", EffortCurve.None, s_layers);

        Assert.Equal(["plain.layers.png"], Links(markdown));
        Assert.Equal(["plain.layers.png"], Directory.GetFiles(_folder, "*.png").Select(Path.GetFileName));
        Assert.Equal("", ReportFigures.Write(report, "plain", EffortCurve.None, []));
    }

    [Fact]
    public void Effort_labels_that_would_overlap_are_merged_and_the_others_kept()
    {
        // Eight efforts at one point (a calibration that switched nothing on): one label for all.
        float[] efforts = [0f, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 1f];
        var same = ReportPlots.EffortLabels([.. efforts.Select(_ => 1.0)], [.. efforts.Select(_ => 100.0)], efforts, alsoShownX: null, yAxisSpan: 1);
        Assert.Equal([(1.0, 100.0, "0, 0.125, ..., 1")], same);

        // Points apart from each other keep a label each.
        double[] xs = [1, 2, 3], ys = [100, 99, 98];
        var apart = ReportPlots.EffortLabels(xs, ys, [0f, 0.5f, 1f], alsoShownX: null, yAxisSpan: 2.5);
        Assert.Equal(["0", "0.5", "1"], apart.Select(l => l.Text));

        // Two close in speed (timing noise) at the same agreement, the third far: two labels.
        var near = ReportPlots.EffortLabels([0.66, 0.665, 1.4], [100, 100, 100], [0f, 0.5f, 1f], alsoShownX: 1, yAxisSpan: 1);
        Assert.Equal(["0, 0.5", "1"], near.Select(l => l.Text));
    }

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex ImageLink();

    private static string[] Links(string markdown) => [.. ImageLink().Matches(markdown).Select(m => m.Groups[1].Value)];

    /// <summary>A PNG (signature, IHDR size) that decodes to a picture of that size with more than a background in it.</summary>
    private static void AssertPng(string path, int expectedWidth, int expectedHeight)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(expectedWidth, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(expectedHeight, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        using SKBitmap bitmap = SKBitmap.Decode(bytes) ?? throw new Xunit.Sdk.XunitException($"{path} does not decode");
        Assert.Equal((expectedWidth, expectedHeight), (bitmap.Width, bitmap.Height));
        Assert.True(bitmap.Pixels.Distinct().Count() > 8, "the picture is (nearly) one colour");
    }
}
