using Google.Protobuf;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.NativeTestModels;

// Usage: OnnxDyVE.NativeTestModels OUTDIR
// Writes OUTDIR/<case>.onnx (stock operators only) and OUTDIR/<case>.dyve.onnx (the same model after
// `dyve rewrite`), and OUTDIR/cases.txt with one case name per line. The cases reach every kernel path:
// a padded 3x3 conv, a pointwise conv, a strided 7x7 conv (phase planes), batch-1 and batch-8 Gemm, a small
// network with a folded BatchNormalization, then odd sizes, dilation, groups and every activation.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: OnnxDyVE.NativeTestModels OUTDIR");
    return 2;
}
string outDir = args[0];
Directory.CreateDirectory(outDir);

var cases = new List<(string Name, ModelProto Stock)>
{
    ("conv3x3_relu", LayerModels.Conv(new ConvLayer(1, 16, 20, 20, 32, 3, 3)
        { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu }, 61, LayerPaths.Reference)),
    ("conv1x1", LayerModels.Conv(new ConvLayer(1, 32, 14, 14, 24, 1, 1) { HasBias = true }, 62, LayerPaths.Reference)),
    ("conv7x7_stride2", LayerModels.Conv(new ConvLayer(2, 3, 33, 33, 16, 7, 7)
        { StrideHeight = 2, StrideWidth = 2, PadTop = 3, PadLeft = 3, PadBottom = 3, PadRight = 3, HasBias = true,
          Activation = LayerActivation.Clip(0f, 6f) }, 63, LayerPaths.Reference)),
    ("gemm_batch1_relu", LayerModels.Gemm(new GemmLayer(1, 256, 40) { TransB = true, Bias = GemmBiasShape.Row,
        Activation = LayerActivation.Relu }, 64, LayerPaths.Reference)),
    ("gemm_batch8", LayerModels.Gemm(new GemmLayer(8, 100, 30) { Bias = GemmBiasShape.Row }, 65, LayerPaths.Reference)),
    ("small_cnn", SmallNetwork.Build(66)),
    // Awkward sizes: channel and width counts that leave vector tails at every width (4, 8, 16 floats).
    ("conv3x3_odd_leaky", LayerModels.Conv(new ConvLayer(3, 7, 13, 11, 19, 3, 3)
        { PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1, HasBias = true, Activation = LayerActivation.LeakyRelu(0.1f) }, 67, LayerPaths.Reference)),
    ("conv5x5_dilated", LayerModels.Conv(new ConvLayer(1, 5, 17, 17, 9, 5, 5)
        { DilationHeight = 2, DilationWidth = 2, PadTop = 4, PadLeft = 3, PadBottom = 4, PadRight = 4, HasBias = true }, 68, LayerPaths.Reference)),
    ("conv3x3_grouped", LayerModels.Conv(new ConvLayer(1, 12, 9, 9, 18, 3, 3)
        { Group = 3, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Activation = LayerActivation.Relu }, 69, LayerPaths.Reference)),
    ("conv3x3_stride2", LayerModels.Conv(new ConvLayer(1, 8, 15, 15, 12, 3, 3)
        { StrideHeight = 2, StrideWidth = 2, HasBias = true }, 70, LayerPaths.Reference)),
    ("conv1x1_wide", LayerModels.Conv(new ConvLayer(1, 64, 7, 7, 67, 1, 1) { HasBias = true, Activation = LayerActivation.Relu }, 71, LayerPaths.Reference)),
    ("gemm_transA_scalar_bias", LayerModels.Gemm(new GemmLayer(5, 33, 17)
        { TransA = true, Alpha = 0.5f, Beta = 2f, Bias = GemmBiasShape.Scalar }, 72, LayerPaths.Reference)),
    ("gemm_batch13_clip", LayerModels.Gemm(new GemmLayer(13, 70, 21)
        { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.Clip(-0.5f, 0.5f) }, 73, LayerPaths.Reference)),
};

using var list = new StreamWriter(Path.Combine(outDir, "cases.txt"));
foreach ((string name, ModelProto stock) in cases)
{
    RewriteResult rewritten = DyveRewriter.Rewrite(stock);
    File.WriteAllBytes(Path.Combine(outDir, name + ".onnx"), stock.ToByteArray());
    File.WriteAllBytes(Path.Combine(outDir, name + ".dyve.onnx"), rewritten.Model.ToByteArray());
    int dyveNodes = rewritten.Model.Graph.Node.Count(n => n.Domain == LayerModels.DyveDomain);
    if (dyveNodes == 0) throw new InvalidOperationException($"{name}: the rewrite made no DyVE node");
    list.WriteLine(name);
    Console.WriteLine($"{name}: {stock.Graph.Node.Count} stock nodes -> {rewritten.Model.Graph.Node.Count} nodes, {dyveNodes} DyVE");
}
return 0;
