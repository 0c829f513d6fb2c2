using System.CommandLine;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve rewrite in.onnx -o out.onnx</c>: a model's Conv, Gemm and MatMul nodes (with the BatchNormalization,
/// bias and activation after them) to DyVE operators. Reads, calls the rewriter, writes, prints the report;
/// errors print one line naming the file and exit 1.
/// </summary>
internal static class RewriteCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The ONNX model to rewrite" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The rewritten ONNX model to write", Required = true };
        var command = new Command("rewrite", "Rewrite a float32 ONNX model to DyVE operators (DyveConv, DyveGemm), effort off")
        {
            input,
            output,
        };
        command.SetAction(result => Run(result.GetValue(input)!.FullName, result.GetValue(output)!.FullName));
        return command;
    }

    private static int Run(string input, string output)
    {
        RewriteResult result;
        try
        {
            Onnx.ModelProto model = ModelFile.Read(input);
            try
            {
                result = DyveRewriter.Rewrite(model);
            }
            catch (RewriteException e)
            {
                throw new RewriteException($"{input}: {e.Message}", e);
            }
            ModelFile.Write(result.Model, output);
        }
        catch (RewriteException e)
        {
            Console.Error.WriteLine($"dyve rewrite: {e.Message}");
            return 1;
        }
        Print(result.Report, input, output);
        return 0;
    }

    private static void Print(RewriteReport report, string input, string output)
    {
        Console.WriteLine($"{Path.GetFileName(input)} -> {output}");
        string pools = string.Concat(new[] { DyveSchema.MaxPoolOp, DyveSchema.AveragePoolOp, DyveSchema.LrnOp }
            .Select(op => report.RewrittenCount(op) is > 0 and int count ? $", {count} {op}" : ""));
        Console.WriteLine($"Rewrote {report.Rewritten.Count} nodes: {report.RewrittenCount(DyveSchema.ConvOp)} {DyveSchema.ConvOp}, {report.RewrittenCount(DyveSchema.GemmOp)} {DyveSchema.GemmOp}{pools}; " +
            $"folded {report.FusedCount(FusionKind.BatchNormalizationFolded)} BatchNormalization, fused {report.FusedCount(FusionKind.BiasAdded)} bias Adds and {report.FusedCount(FusionKind.ActivationFused)} activations.");
        if (report.FusedCount(FusionKind.NormalizationFused) > 0)
            Console.WriteLine($"{report.RewrittenCount(DyveSchema.LrnOp)} local response normalizations spelled out in {report.FusedCount(FusionKind.NormalizationFused) + report.RewrittenCount(DyveSchema.LrnOp)} stock nodes made one {DyveSchema.LrnOp} each.");
        if (report.ActivationsBeforePools > 0)
            Console.WriteLine($"{report.ActivationsBeforePools} activation{(report.ActivationsBeforePools == 1 ? "" : "s")} after a MaxPool moved ahead of it, into the {DyveSchema.ConvOp} before the pool.");
        if (report.BlockedTensors > 0)
            Console.WriteLine($"{report.BlockedTensors} tensors between {DyveSchema.ConvOp} nodes in the blocked layout ({DyveSchema.Layouts.Blocked}).");
        if (report.FusedSiblings + report.FusedResiduals > 0)
            Console.WriteLine($"On it, {report.FusedSiblings} Concats of a 1x1 and a spatial {DyveSchema.ConvOp} of one input made one {DyveSchema.ConvOp} each, "
                + $"{report.FusedResiduals} residual Adds taken into the {DyveSchema.ConvOp} before them.");
        List<SkippedNode> candidates = [.. report.Skipped.Where(s => s.IsCandidate)];
        if (candidates.Count > 0)
        {
            Console.WriteLine($"Conv/Gemm/MatMul left as they are: {candidates.Count}");
            foreach (SkippedNode node in candidates) Console.WriteLine($"  {node.Name} ({node.OpType}): {node.Reason}");
        }
        // Reasons shared by many nodes ("no DyVE operator for Add") are counted; one-off reasons name their node.
        var others = report.Skipped.Where(s => !s.IsCandidate).GroupBy(s => s.Reason).ToList();
        if (others.Count > 0) Console.WriteLine($"Other nodes left as they are: {others.Sum(g => g.Count())}");
        foreach (var group in others)
            Console.WriteLine(group.Count() == 1
                ? $"  {group.First().Name} ({group.First().OpType}): {group.Key}"
                : $"  {group.Count()} nodes: {group.Key}");
        if (report.SubgraphCount > 0)
            Console.WriteLine($"{report.SubgraphCount} subgraphs (If/Loop/Scan bodies) were left as they are: the rewriter does not enter them.");
    }
}
