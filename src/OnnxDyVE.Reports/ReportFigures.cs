using System.Text;

namespace OnnxDyVE.Reports;

/// <summary>The report's pictures written beside it, and the Markdown that embeds them by relative links.</summary>
public static class ReportFigures
{
    /// <summary>
    /// Writes <c>&lt;report&gt;.frontier.png</c> and <c>&lt;report&gt;.speedup.png</c> (when <paramref name="curve"/>
    /// has a frontier, resp. timings) and <c>&lt;report&gt;.layers.png</c> (when there are layers) in the folder of
    /// <paramref name="reportPath"/>, and returns a Markdown section embedding them; empty when nothing was drawn.
    /// </summary>
    /// <param name="model">The model's name, for the titles.</param>
    public static string Write(string reportPath, string model, EffortCurve curve, IReadOnlyList<DyveNodeStatistics> layers)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(reportPath))!;
        string stem = Path.GetFileNameWithoutExtension(reportPath);
        var text = new StringBuilder();
        string Figure(string kind, Action<string> draw, string caption)
        {
            string file = $"{stem}.{kind}.png";
            draw(Path.Combine(folder, file));
            return $"![{caption}]({Uri.EscapeDataString(file)})";
        }

        if (curve.Frontier.Count > 0)
        {
            text.AppendLine(Figure("frontier", path => ReportPlots.Frontier(model, curve.Frontier, curve.DefaultEffort, path),
                "top-1 agreement against scalar-op reduction across run-time efforts"));
            text.AppendLine();
            text.AppendLine("Top-1 agreement with the unmodified model and scalar-op reduction of the DyVE layers, measured by calibration on its calibration images at each run-time effort (the model's stored frontier).");
            text.AppendLine();
        }
        if (curve.Timings.Count > 0)
        {
            text.AppendLine(Figure("speedup", path => ReportPlots.Speedup(model, curve.Frontier, curve.Timings, curve.DefaultEffort, path),
                "top-1 agreement against speed-up across run-time efforts"));
            text.AppendLine();
            text.AppendLine("The same agreement against speed-up (stock p50 / DyVE p50, batch 1) measured here at each of those efforts, the effort fed per run, both models' runs interleaved after a warm-up.");
            text.AppendLine();
        }
        if (layers.Count > 0)
        {
            text.AppendLine(Figure("layers", path => ReportPlots.Layers(model, layers, path), "scalar-op reduction per layer"));
            text.AppendLine();
            text.AppendLine("Scalar-op reduction (dense MACs over executed MACs plus the mechanisms' overhead) of each DyVE node over the accuracy pass, at the model's default effort.");
            text.AppendLine();
        }
        return text.Length == 0 ? "" : "## Figures\n\n" + text;
    }
}
