using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// With effort 0 only the exact mechanisms run (zero inputs in DyveGemm, zero maps in DyveConv, exact SPET where
/// SPET is on): a rewritten real model predicts what the original does on every test image, and its DyVE nodes still
/// skip work. The rewritten models run as the rewriter leaves them, tensors between exact convolutions blocked.
/// </summary>
public sealed class ExactEffortTests
{
    [Theory]
    [InlineData("cifar10_quick", 1000)]
    [InlineData("squeezenet_v1.0_deep_compression", 40)]
    public void Effort_zero_predicts_what_the_original_does(string name, int count)
    {
        if (RealModel.Load(name) is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.TestFolder, model.Preprocessing, count, seed: 1);
        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(model.Stock, "stock", threads: 2))
            reference = stock.Run(images, effort: null).Predictions;
        using var dyve = new EffortRunner(model.Dyve, "rewritten", threads: 2);
        CalibrationPass pass = dyve.Run(images, effort: 0f);
        Assert.Equal(reference, pass.Predictions);
        Assert.True(pass.Total.ExecutedMacs < pass.Total.DenseMacs, $"{name}: {pass.Total}");
        Assert.Equal(0, pass.Total.ApproximatedOutputs);
        // As rewritten, with the tensors between its convolutions blocked (SqueezeNet's fire modules).
        if (name.StartsWith("squeezenet", StringComparison.Ordinal))
            Assert.Contains(model.Dyve.Graph.Node, n => n.Attribute.Any(a => a.Name == OnnxDyVE.Schema.DyveSchema.InputLayout));
    }

    /// <summary>
    /// Deep Compression's pruned 3x3 expands run apart on the sparse kernel (SparseWeights), as rewritten for a machine that
    /// retires one 512-bit FMA a cycle, whatever this one does: SqueezeNet's outputs are the original's within the tolerance
    /// of every numerical test (1e-4 of the largest), and its DyVE nodes multiply under 60% of the dense MACs (48.5% of them
    /// meet a zero weight; zero inputs leave out more).
    /// </summary>
    [Fact]
    public void Pruned_squeezenet_on_the_sparse_kernel_gives_the_originals_outputs()
    {
        if (RealModel.Load("squeezenet_v1.0_deep_compression") is not { } loaded) return;
        RealModel model = loaded with { Dyve = DyveRewriter.Rewrite(loaded.Stock, wideFmaRate: 1).Model };
        CalibrationImages images = CalibrationImages.Load(model.TestFolder, model.Preprocessing, 10, seed: 5);
        Assert.DoesNotContain(model.Dyve.Graph.Node, n => n.Attribute.Any(a => a.Name == OnnxDyVE.Schema.DyveSchema.PointwiseChannels));
        string[] outputs = [model.Stock.Graph.Output[0].Name];
        var reference = new List<float[]>();
        using (var stock = new EffortRunner(model.Stock, "stock", threads: 2))
            stock.ForEachOutput(images, outputs, (_, values) => reference.Add(values.ToArray()));
        using var dyve = new EffortRunner(model.Dyve, "rewritten", threads: 2);
        int image = 0;
        dyve.ForEachOutput(images, outputs, (_, values) =>
        {
            float[] expected = reference[image++];
            double tolerance = 1e-4 * Math.Max(1, expected.Max(Math.Abs));
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(values[i] - expected[i]) <= tolerance, $"image {image - 1}, output {i}: {values[i]} against {expected[i]}");
        });
        Assert.Equal(images.Count, image);
        CounterValues counted = dyve.Run(images, effort: 0f).Total;
        Assert.True(counted.ExecutedMacs < 0.6 * counted.DenseMacs, $"{counted}");
    }

    /// <summary>
    /// Zero inputs left out tile by tile (DyveConv's skip_zero_inputs, the rewriter's default) change no bit of any output on
    /// real images, and leave out work where position tiles run: the same model with it off as the reference, run as
    /// rewritten (blocked maps). On AVX-512 cifar10_quick's conv2 and conv3 run Winograd's tiles, which multiply every input,
    /// and its conv1 reads the planar image, so there it leaves out none (and never adds any).
    /// </summary>
    [Theory]
    [InlineData("cifar10_quick", 200, false)]
    [InlineData("squeezenet_v1.0_deep_compression", 20, true)]
    public void Zero_inputs_change_no_output_bit(string name, int count, bool leavesOutWorkOnWinogradMachines)
    {
        if (RealModel.Load(name) is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.TestFolder, model.Preprocessing, count, seed: 3);
        Onnx.ModelProto off = model.Dyve.Clone();
        foreach (Onnx.NodeProto node in off.Graph.Node.Where(n => n.OpType == "DyveConv"))
            node.Attribute.Add(new Onnx.AttributeProto
            {
                Name = OnnxDyVE.Schema.DyveSchema.SkipZeroInputs, Type = Onnx.AttributeProto.Types.AttributeType.Int, I = 0,
            });
        string[] outputs = [model.Dyve.Graph.Output[0].Name];
        var reference = new List<float[]>();
        using (var dense = new EffortRunner(off, "zero inputs off", threads: 2))
            dense.ForEachOutput(images, outputs, (_, values) => reference.Add(values.ToArray()));
        using var dyve = new EffortRunner(model.Dyve, "rewritten", threads: 2);
        int image = 0;
        dyve.ForEachOutput(images, outputs, (_, values) => Assert.Equal(reference[image++], values.ToArray()));
        using var counted = new EffortRunner(off, "zero inputs off", threads: 2);
        CounterValues without = counted.Run(images, effort: 0f).Total, with = dyve.Run(images, effort: 0f).Total;
        bool winograd = SimdPaths.Best == SimdPath.Vector512;
        if (leavesOutWorkOnWinogradMachines || !winograd)
            Assert.True(with.ExecutedMacs < without.ExecutedMacs, $"{name}: {with} against {without}");
        else
            Assert.Equal(without.ExecutedMacs, with.ExecutedMacs);
    }

    /// <summary>
    /// SPET on every layer it applies to, after half of the input channels, at effort 0: every output it stops is one
    /// the dense product saturates, so every prediction is the original's, and it stops some. (It saves little: the
    /// bound from each channel's range is loose, docs/dynamic-effort.md, and the rest of K does not skip zero maps.)
    /// </summary>
    [Theory]
    [InlineData("cifar10_quick", 1000)]
    [InlineData("squeezenet_v1.0_deep_compression", 40)]
    public void Exact_spet_predicts_what_the_original_does(string name, int count)
    {
        if (RealModel.Load(name) is not { } model) return;
        CalibrationImages images = CalibrationImages.Load(model.TestFolder, model.Preprocessing, count, seed: 2);
        IReadOnlyList<int> reference;
        using (var stock = new EffortRunner(model.Stock, "stock", threads: 2))
            reference = stock.Run(images, effort: null).Predictions;
        // Planar: SPET does not run on blocked maps.
        Onnx.ModelProto spet = BlockedLayout.Remove(model.Dyve);
        int layers = 0;
        foreach (Onnx.NodeProto node in SdssNodes.Find(spet).Where(SdssNodes.Saturates))
        {
            SdssNodes.SetFloat(node, OnnxDyVE.Schema.DyveSchema.SpetPrefix, 0.5f);
            SdssNodes.SetFloat(node, OnnxDyVE.Schema.DyveSchema.SpetDelta, 1f);
            layers++;
        }
        Assert.True(layers > 0, $"{name}: no layer SPET applies to");
        using var runner = new EffortRunner(spet, "with SPET", threads: 2);
        CalibrationPass pass = runner.Run(images, effort: 0f);
        Assert.Equal(reference, pass.Predictions);
        Assert.True(pass.Total.StoppedOutputs > 0, $"{name}: {pass.Total}");
        Assert.True(pass.Total.ExecutedMacs < pass.Total.DenseMacs, $"{name}: {pass.Total}");
    }
}
