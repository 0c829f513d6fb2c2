using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Fuzz.Tests.Support;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;
using Xunit.Abstractions;

namespace OnnxDyVE.Fuzz.Tests.Fuzzing;

/// <summary>
/// The DyVE operators' validation on mutated rewritten models: each is loaded into a session with the operators
/// registered and, when that succeeds, run once on an input of its declared shape at a random effort (in range or
/// not). Session creation and Run must succeed or throw <see cref="OnnxRuntimeException"/>: an exception escaping
/// an operator's native callback would end the process, which the test host would show as a crash.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class OperatorFuzzTests(ITestOutputHelper output)
{
    /// <summary>Managed allocation of a session over a model of a few hundred KB and one run: weights packed, plans made; 64 MB + 32x.</summary>
    private static readonly FuzzLimits Limits = new(TimeSpan.FromSeconds(20), AllocationBase: 64 << 20, AllocationPerInputByte: 32, AllThreads: true);

    private static readonly long[] Sizes = [0, 1, 2, 3, 5, 8, 31, 32, 33, -1];
    /// <summary>Small values or invalid ones: a valid huge padding or dilation would only measure how long a big convolution takes.</summary>
    private static readonly long[] GeometryValues = [0, 1, 2, 3, 4, -1, -2, int.MaxValue, (long)int.MaxValue + 1, int.MinValue, long.MaxValue, long.MinValue];
    private static readonly float[] Floats = [0f, -0f, 1e-7f, 0.5f, 1f, 3f, -0.5f, -1f, float.MaxValue, float.Epsilon, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
    private static readonly float[] Efforts = [0f, 0.25f, 0.5f, 1f, -0f, -0.01f, 1.0001f, 2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
    private static readonly string[] Activations = ["none", "relu", "leaky_relu", "clip", "", "RELU", "swish", "clip\0"];

    [Fact]
    public void Mutated_DyVE_nodes_fail_at_session_creation_or_run_with_an_onnxruntime_error()
    {
        if (SeedModels.Caffe is not { } caffe) return;
        // Planar: SDSS does not run on blocked maps.
        ModelProto quick = BlockedLayout.Remove(caffe.Single(s => s.Name == "cifar10_quick.dyve").Model);
        foreach (NodeProto node in SdssNodes.Find(quick))
        {
            SdssNodes.SetFloat(node, DyveSchema.SdssDelta, 0.5f);
            SdssNodes.SetFloat(node, DyveSchema.ActivationScale, 1f);
        }
        (string Name, ModelProto Model)[] seeds = [("cifar10_quick.dyve+sdss", quick), ("fusions.dyve", DyveRewriter.Rewrite(SeedModels.Fusions()).Model)];

        var campaign = new FuzzCampaign<(byte[] Model, float? Effort, long[]? EffortShape)>("operators", Limits, e => e is OnnxRuntimeException).Run(
            FuzzBudget.Iterations(400), FuzzBudget.Seed(7), random =>
            {
                (string name, ModelProto seed) = seeds[random.Next(seeds.Length)];
                ModelProto model = seed.Clone();
                int count = random.Next(10) < 7 ? 1 : 2;
                for (int i = 0; i < count; i++) Mutate(model, random);
                byte[] bytes = model.ToByteArray();
                // Mostly a valid effort (or none), so that most runs get past it to the rest of the checks.
                float? effort = random.Next(8) switch { 0 or 1 => null, 2 => Efforts[random.Next(Efforts.Length)], _ => Efforts[random.Next(4)] };
                long[]? effortShape = random.Next(16) switch { 0 => [1], 1 => [2], 2 => [1, 1], _ => [] };
                return new((bytes, effort, effortShape), bytes.Length, name, () => bytes);
            },
            input => CreateAndRun(input.Model, input.Effort, input.EffortShape!));
        output.WriteLine(campaign.Summary());
        campaign.AssertClean();
    }

    private static void CreateAndRun(byte[] model, float? effort, long[] effortShape)
    {
        using var options = new SessionOptions();
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // The rejections are expected; ORT would print each of them too.
        options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        options.IntraOpNumThreads = 1;
        options.AppendDyVE();
        using var session = new InferenceSession(model, options);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach ((string name, NodeMetadata metadata) in session.InputMetadata)
            {
                if (metadata.ElementDataType != TensorElementType.Float) return;
                long[] shape = [.. metadata.Dimensions.Select(d => d < 0 ? 1L : d)];
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(Ramp(shape.Aggregate(1L, (a, b) => a * b)), shape));
            }
            if (effort is float e && session.OverridableInitializerMetadata.ContainsKey(EffortInput.Name))
            {
                names.Add(EffortInput.Name);
                values.Add(OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(e, (int)effortShape.Aggregate(1L, (a, b) => a * b)).ToArray(), effortShape));
            }
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, names, values, session.OutputNames);
        }
        finally
        {
            foreach (OrtValue value in values) value.Dispose();
        }
    }

    /// <summary>Deterministic input values with zeros among them (so zero skipping has something to skip).</summary>
    private static float[] Ramp(long count)
    {
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = i % 7 == 0 ? 0f : (i % 13 - 6) * 0.25f;
        return values;
    }

    /// <summary>One change aimed at a DyVE node's attributes, constant inputs and wiring, or the model's input shape and effort.</summary>
    private static void Mutate(ModelProto model, Random random)
    {
        GraphProto graph = model.Graph;
        NodeProto[] dyve = [.. graph.Node.Where(n => n.Domain == DyveSchema.Domain)];
        NodeProto node = dyve[random.Next(dyve.Length)];
        bool conv = node.OpType == DyveSchema.ConvOp;
        int kind = random.Next(100);
        if (kind < 50)
        {
            string name = conv
                ? Pick(random, "group", "strides", "pads", "dilations", "kernel_shape", "auto_pad", DyveSchema.Activation, DyveSchema.ActivationAlpha,
                    DyveSchema.ActivationMin, DyveSchema.ActivationMax, DyveSchema.SdssDelta, DyveSchema.ActivationScale, DyveSchema.SkipZeroMaps,
                    DyveSchema.SkipZeroInputs)
                : Pick(random, "alpha", "beta", "transA", "transB", DyveSchema.Activation, DyveSchema.ActivationAlpha, DyveSchema.ActivationMin,
                    DyveSchema.ActivationMax, DyveSchema.SkipZeroInputs);
            AttributeProto? existing = node.Attribute.FirstOrDefault(a => a.Name == name);
            if (existing is not null) node.Attribute.Remove(existing);
            if (random.Next(8) != 0) node.Attribute.Add(Attribute(name, random));
        }
        else if (kind < 70)
        {
            // A constant input (W, B or C) reshaped, consistently or not, or of another element type.
            int index = 1 + random.Next(Math.Max(1, Math.Min(node.Input.Count, 3) - 1));
            TensorProto? tensor = index < node.Input.Count ? graph.Initializer.FirstOrDefault(t => t.Name == node.Input[index]) : null;
            if (tensor is null) return;
            long stored = tensor.RawData.Length / 4;
            switch (random.Next(4))
            {
                case 0:
                    tensor.Dims[random.Next(tensor.Dims.Count)] = Sizes[random.Next(Sizes.Length)];
                    break;
                case 1:
                    tensor.Dims.Clear();
                    long[] reshaped = stored % 2 == 0 && random.Next(2) == 0 ? [2, stored / 2] : new long[] { stored, 1, 1, 1 }[..(1 + random.Next(4))];
                    tensor.Dims.Add(reshaped);
                    break;
                case 2:
                    tensor.DataType = (int)TensorProto.Types.DataType.Double;
                    break;
                default:
                    graph.Input.Add(OnnxProto.FloatValue(tensor.Name, [.. tensor.Dims]));
                    break;
            }
        }
        else if (kind < 80)
        {
            // Wiring: an input left out, emptied, or the effort input pointed somewhere else.
            switch (random.Next(3))
            {
                case 0 when node.Input.Count > 1:
                    node.Input.RemoveAt(node.Input.Count - 1);
                    break;
                case 1 when node.Input.Count > 2:
                    node.Input[2] = "";
                    break;
                default:
                    if (conv) node.Input.Add(Pick(random, [.. graph.Initializer.Select(t => t.Name)]));
                    break;
            }
        }
        else if (kind < 92)
        {
            TensorShapeProto? shape = graph.Input[0].Type?.TensorType?.Shape;
            if (shape is null) return;
            if (random.Next(4) == 0 && shape.Dim.Count > 0) shape.Dim.RemoveAt(random.Next(shape.Dim.Count));
            else if (shape.Dim.Count > 0)
            {
                long size = Sizes[random.Next(Sizes.Length)];
                shape.Dim[random.Next(shape.Dim.Count)] = size < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "n" } : new TensorShapeProto.Types.Dimension { DimValue = size };
            }
        }
        else
        {
            // The effort initializer's stored default: out of range, of another shape or type.
            TensorProto? effort = graph.Initializer.FirstOrDefault(t => t.Name == EffortInput.Name);
            if (effort is null) return;
            TensorProto replacement = random.Next(3) switch
            {
                0 => OnnxProto.FloatScalar(EffortInput.Name, Efforts[random.Next(Efforts.Length)]),
                1 => OnnxProto.FloatTensor(EffortInput.Name, [2], [0.5f, 0.5f]),
                _ => OnnxProto.Int64Tensor(EffortInput.Name, [], [1]),
            };
            graph.Initializer[graph.Initializer.IndexOf(effort)] = replacement;
        }
    }

    private static AttributeProto Attribute(string name, Random random)
    {
        bool wrongType = random.Next(10) == 0;
        switch (name)
        {
            case "strides" or "pads" or "dilations" or "kernel_shape":
                int length = random.Next(6) switch { 0 => 0, 1 => 1, 2 => 3, 3 => 4, _ => name == "pads" ? 4 : 2 };
                long[] values = [.. Enumerable.Range(0, length).Select(_ => random.Next(3) == 0 ? GeometryValues[random.Next(GeometryValues.Length)] : random.Next(1, 4))];
                return wrongType ? OnnxProto.Float(name, 1f) : OnnxProto.Ints(name, values);
            case "group" or "transA" or "transB" or DyveSchema.SkipZeroMaps or DyveSchema.SkipZeroInputs:
                return wrongType ? OnnxProto.String(name, "1") : OnnxProto.Int(name, GeometryValues[random.Next(GeometryValues.Length)]);
            case "auto_pad":
                return OnnxProto.String(name, Pick(random, "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "", "same", "\u00ff"));
            case DyveSchema.Activation:
                return wrongType ? OnnxProto.Int(name, 1) : OnnxProto.String(name, Pick(random, Activations));
            default:
                return wrongType ? OnnxProto.Ints(name, 1, 2) : OnnxProto.Float(name, Floats[random.Next(Floats.Length)]);
        }
    }

    private static T Pick<T>(Random random, params T[] items) => items[random.Next(items.Length)];
}
