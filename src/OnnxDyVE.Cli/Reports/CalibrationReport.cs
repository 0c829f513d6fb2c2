using System.Globalization;
using System.Text;
using OnnxDyVE.Calibration;
using OnnxDyVE.Kernels;

namespace OnnxDyVE.Cli.Reports;

/// <summary>What calibration chose per layer and the frontier it measured, as printed by <c>dyve calibrate</c> and written into reports.</summary>
internal static class CalibrationReport
{
    public static string Markdown(CalibrationResult result)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"## Calibration ({result.Images} calibration images)");
        text.AppendLine();
        text.AppendLine(c, $"Objective: {(result.Objective == CalibrationObjective.Time ? "measured time (a mechanism only where it makes its layer faster)" : "scalar operations (the paper's metric)")}.");
        text.AppendLine();
        text.AppendLine(c, $"Stored at run-time effort {CalibrationOptions.CalibratedEffort} (the model's default): top-1 agreement with the unmodified model {result.Agreement:0.##}% (expected on further images from the margins: {result.ExpectedAgreement:0.##}%), scalar operations {result.OpsReduction:0.00}x fewer over the DyVE layers.");
        text.AppendLine();
        text.AppendLine(HeldOutLine(result));
        text.AppendLine();
        text.AppendLine("| layer | op | activation scale | mechanism at the calibrated effort | dense MMACs/image | executed MMACs/image | outputs approximated | outputs stopped (SPET) | input maps folded/image (SFMA) | map pairs merged/image (SFMA) | ops reduction |");
        text.AppendLine("|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|");
        double perImage = 1e-6 / result.Images;
        foreach (LayerChoice layer in result.Layers)
        {
            CounterValues w = layer.Work;
            string approximated = w.Outputs == 0 ? "-" : string.Create(c, $"{100.0 * w.ApproximatedOutputs / w.Outputs:0.0}%");
            string scale = layer.ActivationScale is { } s ? s.ToString("0.###", c) : "-";
            string stopped = w.Outputs == 0 ? "-" : string.Create(c, $"{100.0 * w.StoppedOutputs / w.Outputs:0.0}%");
            string setting = layer.ActivationScale is null ? "-" : layer.Setting.ToString();
            text.AppendLine(c, $"| {layer.Node} | {layer.Op} | {scale} | {setting} | {w.DenseMacs * perImage:0.###} | {w.ExecutedMacs * perImage:0.###} | {approximated} | {stopped} | {(double)w.FoldedMaps / result.Images:0.##} | {(double)w.MergedPairs / result.Images:0.##} | {w.OpsReduction:0.00}x |");
        }
        text.AppendLine();
        text.AppendLine("Frontier measured on the calibration images (stored in the model, metadata `onnxdyve.effort_frontier`); effort 0 is exact (exact SPET where SPET is on), 1 doubles every calibrated threshold and strength:");
        text.AppendLine();
        text.AppendLine("| effort | top-1 agreement | ops reduction |");
        text.AppendLine("|--:|--:|--:|");
        foreach (FrontierPoint point in result.Frontier)
            text.AppendLine(c, $"| {point.Effort:0.###} | {point.Agreement:0.##}% | {point.OpsReduction:0.00}x |");
        return text.ToString();
    }

    /// <summary>What the held-out images did, and how finely the images resolve agreement.</summary>
    private static string HeldOutLine(CalibrationResult result)
    {
        var c = CultureInfo.InvariantCulture;
        int tuning = result.Images - result.HeldOut;
        string withdrawn = result.Withdrawn.Count == 0 ? "nothing withdrawn"
            : string.Create(c, $"{result.Withdrawn.Count} layer(s) sent back to exact to keep the budget there ({string.Join(", ", result.Withdrawn)})");
        string check = result.HeldOut == 0
            ? string.Create(c, $"Settings chosen and checked on all {result.Images} images (too few to hold any out).")
            : string.Create(c, $"Settings chosen on {tuning} images and checked on the last {result.HeldOut}, held out while choosing: {withdrawn}; agreement there {result.HeldOutAgreement:0.##}%.");
        // One image is 100 / images per cent of agreement: a budget finer than that allows no change at all on
        // these images, which says little about the next ones.
        string line = string.Create(c, $"{check} One image is {100.0 / result.Images:0.##}% of agreement here.");
        if (result.HeldOut == 0 || result.HeldOutCertifiesBudget || CalibrationOptions.HeldOutToCertify(result.BudgetPercent) is not int needed)
            return line;
        return string.Create(c, $"{line} {result.HeldOut} held-out images cannot show a loss under {result.BudgetPercent:0.##}% at 95% confidence even "
            + $"with no answer changed among them (that takes {needed}, so {CalibrationOptions.ImagesToCertify(result.BudgetPercent)} calibration images): read the agreement as an estimate.");
    }
}
