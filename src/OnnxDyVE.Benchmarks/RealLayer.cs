using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// One convolution of a real model, cut out of it as a one-node model (DyVE and stock), with the activation that
/// reaches it when the whole model runs on a real test image: what a mechanism sees in the network, unlike random
/// inputs, whose statistics are nothing like a trained network's.
/// </summary>
internal sealed record RealLayer(ModelProto Dyve, ModelProto Stock, float[] Input, long[] InputShape, float ActivationScale)
{
    /// <summary>"model:node", e.g. "cifar10_quick:conv2/Conv".</summary>
    public static RealLayer Load(string layer)
    {
        string[] parts = layer.Split(':', 2);
        ModelLocations locations = ModelLocations.FromEnvironment();
        ResolvedModel resolved = new ModelResolver(ModelCatalog.Default, locations).Resolve(parts[0]);
        CaffeConversion conversion = CatalogConversion.Convert(resolved);
        // Planar: the node's input is captured as a graph output, in ONNX's layout.
        ModelProto dyve = BlockedLayout.Remove(DyveRewriter.Rewrite(conversion.Model).Model);
        NodeProto node = dyve.Graph.Node.Single(n => n.Name == parts[1] && n.OpType == DyveSchema.ConvOp);
        string data = locations.DataFolder(resolved.Entry.EvalData!)
            ?? throw new DirectoryNotFoundException($"no shared data folder for {parts[0]}'s test images");
        CalibrationImages image = CalibrationImages.Load(data, conversion.Preprocessing!, 1, seed: 1);
        (float[] input, long[] shape, float scale) = Capture(dyve, node, image);
        ModelProto single = SingleNode(dyve, node, shape);
        return new RealLayer(single, StockRestorer.Restore(single), input, shape, scale);
    }

    /// <summary>The node's input on the image, its shape, and the RMS of its output (the layer's activation scale on it).</summary>
    private static (float[] Input, long[] Shape, float Scale) Capture(ModelProto dyve, NodeProto node, CalibrationImages image)
    {
        ModelProto probe = dyve.Clone();
        foreach (string name in new[] { node.Input[0], node.Output[0] })
            probe.Graph.Output.Add(OnnxProto.FloatValue(name, null));
        using SessionOptions options = Harness.ComparisonOptions.Create(1);
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(image.Inputs[0], image.InputShape);
        // Held past the run: an inline RunOptions could be finalized while ORT reads it (ImagePreprocessor).
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [session.InputNames[0]], [value], [node.Input[0], node.Output[0]]);
        float[] input = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        ReadOnlySpan<float> output = outputs[1].GetTensorDataAsSpan<float>();
        double sum = 0;
        foreach (float v in output) sum += (double)v * v;
        return (input, outputs[0].GetTensorTypeAndShape().Shape, (float)Math.Max(1e-6, Math.Sqrt(sum / output.Length)));
    }

    /// <summary>A model of just <paramref name="node"/>: its input as the graph input, its initializers, the effort input.</summary>
    private static ModelProto SingleNode(ModelProto dyve, NodeProto node, long[] inputShape)
    {
        ModelProto single = dyve.Clone();
        GraphProto graph = single.Graph;
        graph.Node.Clear();
        graph.Node.Add(node.Clone());
        var used = node.Input.ToHashSet();
        var initializers = graph.Initializer.Where(t => used.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var effort = graph.Input.Where(i => i.Name == EffortInput.Name).ToList();
        graph.Input.Clear();
        graph.Input.Add(OnnxProto.FloatValue(node.Input[0], inputShape));
        graph.Input.AddRange(effort);
        graph.Output.Clear();
        graph.Output.Add(OnnxProto.FloatValue(node.Output[0], null));
        graph.ValueInfo.Clear();
        return single;
    }
}
