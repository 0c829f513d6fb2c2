using System.Globalization;
using OnnxDyVE.Calibration;
using OnnxDyVE.Harness;
using ScottPlot;

namespace OnnxDyVE.Reports;

/// <summary>
/// The report's three pictures as PNG files: top-1 agreement against op reduction and against speed-up across
/// run-time efforts, and op reduction per DyVE layer.
/// </summary>
public static class ReportPlots
{
    public const int Width = 900;
    public const int Height = 600;

    private const float TitleSize = 20, LabelSize = 16, TickSize = 14, NoteSize = 13;
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    /// <summary>The size of the per-layer plot: <see cref="Height"/>, taller when rows would crowd (a row per layer).</summary>
    public static (int Width, int Height) LayersSize(int layers) => (Width, Math.Max(Height, 140 + 26 * layers));

    /// <summary>Top-1 agreement against scalar-op reduction, a point per effort of the frontier.</summary>
    public static void Frontier(string model, IReadOnlyList<FrontierPoint> frontier, float? defaultEffort, string path)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frontier.Count);
        Plot plot = NewPlot($"{model}: top-1 agreement vs scalar-op reduction", "scalar operations, dense / executed (x fewer)", "top-1 agreement with the unmodified model (%)");
        FrontierPoint[] points = [.. frontier.OrderBy(p => p.Effort)];
        EffortLine(plot, [.. points.Select(p => p.OpsReduction)], [.. points.Select(p => p.Agreement)], [.. points.Select(p => p.Effort)], defaultEffort);
        Save(plot, path, Width, Height);
    }

    /// <summary>
    /// Top-1 agreement (from the frontier) against measured speed-up (stock p50 / DyVE p50), a point per effort
    /// timed; a dashed line marks stock ORT's speed.
    /// </summary>
    public static void Speedup(string model, IReadOnlyList<FrontierPoint> frontier, IReadOnlyList<EffortTiming> timings, float? defaultEffort, string path)
    {
        (EffortTiming Timing, FrontierPoint Point)[] pairs = [.. timings
            .Select(t => (Timing: t, Point: frontier.FirstOrDefault(p => p.Effort == t.Effort)))
            .Where(pair => pair.Point is not null)
            .OrderBy(pair => pair.Timing.Effort)
            .Select(pair => (pair.Timing, pair.Point!))];
        if (pairs.Length == 0) throw new ArgumentException("no timed effort is a point of the frontier", nameof(timings));
        Plot plot = NewPlot($"{model}: top-1 agreement vs speed-up", "speed-up over stock ONNX Runtime (stock p50 / DyVE p50)", "top-1 agreement with the unmodified model (%)");
        var stockSpeed = plot.Add.VerticalLine(1);
        stockSpeed.LinePattern = LinePattern.Dashed;
        stockSpeed.Color = Colors.Gray;
        stockSpeed.LegendText = "stock ORT (1x)";
        EffortLine(plot, [.. pairs.Select(p => p.Timing.Speedup)], [.. pairs.Select(p => p.Point.Agreement)], [.. pairs.Select(p => p.Timing.Effort)], defaultEffort, alsoShownX: 1);
        Save(plot, path, Width, Height);
    }

    /// <summary>Scalar-op reduction of each DyVE node (dense / executed plus overhead), one horizontal bar per node in graph order.</summary>
    public static void Layers(string model, IReadOnlyList<DyveNodeStatistics> layers, string path)
    {
        ArgumentOutOfRangeException.ThrowIfZero(layers.Count);
        Plot plot = NewPlot($"{model}: scalar-op reduction per layer", "scalar operations, dense / executed (x fewer)", "");
        // The first layer at the top, as the report's table lists them.
        double[] positions = [.. Enumerable.Range(0, layers.Count).Select(i => (double)(layers.Count - 1 - i))];
        List<Bar> bars = [.. layers.Select((layer, i) => new Bar
        {
            Position = positions[i],
            Value = layer.Counters.OpsReduction,
            FillColor = layer.Op == Schema.DyveSchema.GemmOp ? Colors.DarkOrange : Colors.SteelBlue,
            Label = layer.Counters.OpsReduction.ToString("0.00", s_c) + "x",
        })];
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = NoteSize;
        plot.Axes.Left.SetTicks(positions, [.. layers.Select(l => l.Node)]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        var exact = plot.Add.VerticalLine(1);
        exact.LinePattern = LinePattern.Dashed;
        exact.Color = Colors.Gray;
        plot.MoveToBack(exact);
        plot.Axes.Margins(left: 0, right: 0.12, bottom: 0.02, top: 0.02);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "DyveConv", FillColor = Colors.SteelBlue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "DyveGemm", FillColor = Colors.DarkOrange });
        plot.Legend.FontSize = NoteSize;
        // Beside the bars, not over them: any corner of the plot may hold a long bar's label.
        plot.ShowLegend(Edge.Right);
        (int width, int height) = LayersSize(layers.Count);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// A sans-serif family this machine has: ScottPlot's own choice (<see cref="Fonts.Sans"/>) falls back to a serif
    /// one on Linux machines without its preferred fonts. Null when none of these is installed (ScottPlot's default).
    /// </summary>
    private static readonly string? s_sans = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }
        .FirstOrDefault(name => SkiaSharp.SKFontManager.Default.MatchFamily(name) is { } face && face.FamilyName == name);

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title, TitleSize);
        plot.XLabel(xLabel, LabelSize);
        plot.YLabel(yLabel, LabelSize);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;
        return plot;
    }

    /// <summary>Writes the PNG, every text (labels and legend included, so set last) in the sans-serif family.</summary>
    private static void Save(Plot plot, string path, int width, int height)
    {
        if (s_sans is not null) plot.Font.Set(s_sans);
        plot.SavePng(path, width, height);
    }

    /// <summary>The points joined in order of effort, labelled with their efforts; the default effort's point stands out.</summary>
    /// <param name="alsoShownX">An x the plot shows besides the points (a reference line), for the label spacing.</param>
    private static void EffortLine(Plot plot, double[] xs, double[] ys, float[] efforts, float? defaultEffort, double? alsoShownX = null)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LineWidth = 2;
        line.MarkerSize = 9;
        line.LegendText = "run-time effort (labels; 0 = exact)";
        (double low, double high) = AgreementLimits(ys);
        foreach ((double x, double y, string text) in EffortLabels(xs, ys, efforts, alsoShownX, high - low))
        {
            var label = plot.Add.Text(text, x, y);
            label.LabelFontSize = NoteSize;
            if (s_sans is not null) label.LabelFontName = s_sans;
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = LabelOffset;
            label.OffsetY = -LabelOffset;
        }
        int chosen = defaultEffort is float e ? Array.IndexOf(efforts, e) : -1;
        if (chosen >= 0)
        {
            var marker = plot.Add.Marker(xs[chosen], ys[chosen], MarkerShape.OpenCircle, 22, Colors.Red);
            marker.MarkerLineWidth = 2;
            marker.LegendText = $"the model's default effort ({efforts[chosen].ToString("0.###", s_c)})";
        }
        plot.Legend.FontSize = NoteSize;
        plot.ShowLegend(Alignment.LowerLeft);
        plot.Axes.MarginsX(XMargin);
        plot.Axes.SetLimitsY(low, high);
        // Agreement is at most 100%: no tick past it is labelled.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = value => value > 100 + 1e-9 ? "" : value.ToString("0.##", s_c),
        };
    }

    private const double XMargin = 0.12;
    private const int LabelOffset = 6;

    /// <summary>
    /// The agreement axis: the points' range, at least one point wide so that equal values get a readable axis,
    /// padded below and, less, above (room for the labels, little of it past 100%).
    /// </summary>
    private static (double Low, double High) AgreementLimits(double[] ys)
    {
        double pad = 0.12 * Math.Max(ys.Max() - ys.Min(), 1);
        return (ys.Min() - pad, ys.Max() + pad / 2);
    }

    /// <summary>
    /// One label per group of points whose labels would print over each other (estimated at the plot's size), at
    /// the group's first point: "0.5" alone, "0, 0.125, 0.25" or "0, 0.125, ..., 1" together.
    /// </summary>
    /// <param name="yAxisSpan">The y axis's range, in data units.</param>
    internal static List<(double X, double Y, string Text)> EffortLabels(double[] xs, double[] ys, float[] efforts, double? alsoShownX, double yAxisSpan)
    {
        // Roughly the data area of a Width x Height plot, and the size of a NoteSize character, in pixels.
        const double AreaWidth = Width - 160, AreaHeight = Height - 130, CharWidth = 7.5, LineHeight = 18;
        double xMin = Math.Min(xs.Min(), alsoShownX ?? double.MaxValue);
        double xAxisSpan = (Math.Max(xs.Max(), alsoShownX ?? double.MinValue) - xMin) * (1 + 2 * XMargin);
        double Px(double x) => xAxisSpan == 0 ? 0 : (x - xMin) / xAxisSpan * AreaWidth;
        double Py(double y) => yAxisSpan == 0 ? 0 : y / yAxisSpan * AreaHeight;
        string Effort(int i) => efforts[i].ToString("0.###", s_c);
        string Text(List<int> g) => g.Count <= 3 ? string.Join(", ", g.Select(Effort)) : $"{Effort(g[0])}, {Effort(g[1])}, ..., {Effort(g[^1])}";
        (double Left, double Right) Span(int anchor, string text) => (Px(xs[anchor]), Px(xs[anchor]) + LabelOffset + CharWidth * text.Length);

        var groups = new List<List<int>>();
        for (int i = 0; i < xs.Length; i++)
        {
            (double left, double right) = Span(i, Effort(i));
            List<int>? group = groups.FirstOrDefault(g =>
            {
                (double gLeft, double gRight) = Span(g[0], Text(g));
                return left < gRight + CharWidth && gLeft < right + CharWidth && Math.Abs(Py(ys[i]) - Py(ys[g[0]])) < LineHeight;
            });
            if (group is null) groups.Add([i]);
            else group.Add(i);
        }
        return [.. groups.Select(g => (xs[g[0]], ys[g[0]], Text(g)))];
    }
}
