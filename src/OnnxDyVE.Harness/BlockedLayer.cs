using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Harness;

/// <summary>
/// One convolution as a network runs it, on blocked maps (16 channels a block) both ways: ONNX Runtime's own NCHWc Conv
/// node (MLAS's kernel: the node its graph optimizer makes of the layer on this CPU, cut out of the optimized one-node
/// model with its reordered weights and fused activation, the reorders around it left out) and DyveConv with blocked
/// input and output. Both read the same input: blocked, or planar where ONNX Runtime's node reads planar maps itself (a
/// first layer of three channels). Unlike the planar one-node models (<see cref="LayerModels.Conv"/>), neither side pays
/// a layout conversion that neither pays inside a network.
/// </summary>
/// <param name="Stock">The NCHWc Conv node alone: input X, output Y.</param>
/// <param name="Dyve">DyveConv alone, blocked output (and input where <paramref name="InputBlocked"/>).</param>
/// <param name="Input">The input both read, laid out as <paramref name="InputBlocked"/> says.</param>
/// <param name="StockInputShape">ONNX Runtime's shape of the input: N x C rounded up to blocks x H x W where blocked.</param>
/// <param name="DyveInputShape">DyveConv's: N x C/16 x H x W x 16 where blocked.</param>
public sealed record BlockedLayer(byte[] Stock, byte[] Dyve, float[] Input, long[] StockInputShape, long[] DyveInputShape, bool InputBlocked)
{
    /// <summary>Channels a block, MLAS's NCHWc block on AVX-512 and DyVE's.</summary>
    public const int Block = DyveSchema.Layouts.Block;

    private const string NchwcDomain = "com.microsoft.nchwc";

    /// <summary>
    /// <paramref name="layer"/> both ways, with <see cref="LayerParameters.ForConv"/>'s weights of <paramref name="weightSeed"/>
    /// and a uniform input of <paramref name="inputSeed"/>. Throws <see cref="InvalidOperationException"/> naming the layer
    /// where ONNX Runtime keeps it off the NCHWc layout on this CPU (no AVX2 or AVX-512, or a shape it does not block).
    /// </summary>
    public static BlockedLayer Create(ConvLayer layer, int weightSeed, int inputSeed)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Batch != 1) throw new ArgumentException($"{layer}: blocked layers are measured at batch 1");
        // MLAS blocks 16 channels (DyVE's block) with AVX-512 only: 8 with AVX2, none on other CPUs.
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            throw new InvalidOperationException($"{layer}: ONNX Runtime's NCHWc blocks hold {Block} channels only with AVX-512, which this CPU lacks");
        ModelProto stock = NchwcNode(layer, weightSeed, out string input, out string output, out bool inputBlocked);
        long[] planar = layer.InputShape();
        int channels = layer.InputChannels, blocks = Blocks(channels), outputBlocks = Blocks(layer.OutputChannels);
        (long height, long width) = OutputSize(layer);
        long[] stockInput = inputBlocked ? [1, blocks * Block, layer.Height, layer.Width] : planar;
        stock.Graph.Input.Add(OnnxProto.FloatValue(input, stockInput));
        stock.Graph.Output.Add(OnnxProto.FloatValue(output, [1, outputBlocks * Block, height, width]));

        ModelProto dyve = LayerModels.Conv(layer, weightSeed, LayerPaths.Dyve);
        NodeProto node = dyve.Graph.Node.Single(n => n.OpType == DyveSchema.ConvOp);
        if (inputBlocked) node.Attribute.Add(OnnxProto.String(DyveSchema.InputLayout, DyveSchema.Layouts.Blocked));
        node.Attribute.Add(OnnxProto.String(DyveSchema.OutputLayout, DyveSchema.Layouts.Blocked));
        long[] dyveInput = inputBlocked ? [1, blocks, layer.Height, layer.Width, Block] : planar;
        ValueInfoProto[] rest = [.. dyve.Graph.Input.Skip(1)];
        string dyveInputName = dyve.Graph.Input[0].Name, dyveOutputName = dyve.Graph.Output[0].Name;
        dyve.Graph.Input.Clear();
        dyve.Graph.Input.Add(OnnxProto.FloatValue(dyveInputName, dyveInput));
        dyve.Graph.Input.Add(rest);
        dyve.Graph.Output.Clear();
        dyve.Graph.Output.Add(OnnxProto.FloatValue(dyveOutputName, [1, outputBlocks, height, width, Block]));

        float[] values = LayerParameters.Uniform(new Random(inputSeed), LayerParameters.Count(planar));
        return new BlockedLayer(stock.ToByteArray(), dyve.ToByteArray(), inputBlocked ? ToBlocks(values, channels, layer.Height * layer.Width) : values,
            stockInput, dyveInput, inputBlocked);
    }

    /// <summary>Planar maps (C x plane) as blocks of <see cref="Block"/> channels, the channels past C zero.</summary>
    public static float[] ToBlocks(ReadOnlySpan<float> planar, int channels, int plane)
    {
        var blocked = new float[Blocks(channels) * Block * plane];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < plane; p++)
                blocked[(c / Block * plane + p) * Block + c % Block] = planar[c * plane + p];
        return blocked;
    }

    private static int Blocks(int channels) => (channels + Block - 1) / Block;

    private static (long Height, long Width) OutputSize(ConvLayer layer) =>
        ((layer.Height + layer.PadTop + layer.PadBottom - (layer.KernelHeight - 1) * layer.DilationHeight - 1) / layer.StrideHeight + 1,
         (layer.Width + layer.PadLeft + layer.PadRight - (layer.KernelWidth - 1) * layer.DilationWidth - 1) / layer.StrideWidth + 1);

    /// <summary>
    /// ONNX Runtime's optimized one-node model of <paramref name="layer"/> cut down to its NCHWc Conv node and that node's
    /// initializers, inputs and outputs not yet declared; whether the node reads blocked maps (a reorder feeds it).
    /// </summary>
    private static ModelProto NchwcNode(ConvLayer layer, int weightSeed, out string input, out string output, out bool inputBlocked)
    {
        ModelProto reference = LayerModels.Conv(layer, weightSeed, LayerPaths.Reference);
        string path = Path.Combine(Path.GetTempPath(), $"onnxdyve-nchwc-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path })
            {
                // The serializer warns that an NCHWc model is for this machine only: true, and the point here.
                options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
                using var session = new InferenceSession(reference.ToByteArray(), options);
            }
            ModelProto optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            NodeProto conv = optimized.Graph.Node.SingleOrDefault(n => n.Domain == NchwcDomain && n.OpType == "Conv")
                ?? throw new InvalidOperationException($"{layer}: ONNX Runtime keeps this convolution off the NCHWc layout on this CPU");
            inputBlocked = optimized.Graph.Node.Any(n => n.Output.Contains(conv.Input[0]));
            (input, output) = (conv.Input[0], conv.Output[0]);
            var used = conv.Input.ToHashSet();
            TensorProto[] initializers = [.. optimized.Graph.Initializer.Where(t => used.Contains(t.Name))];
            optimized.Graph.Node.Clear();
            optimized.Graph.Node.Add(conv);
            optimized.Graph.Initializer.Clear();
            optimized.Graph.Initializer.Add(initializers);
            optimized.Graph.Input.Clear();
            optimized.Graph.Output.Clear();
            optimized.Graph.ValueInfo.Clear();
            return optimized;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
