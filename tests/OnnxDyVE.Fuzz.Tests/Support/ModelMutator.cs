using Google.Protobuf;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// Seeded structural mutations of an ONNX model, one to three at a time: attributes given boundary values, the
/// wrong type or removed; node inputs and outputs rewired; operator types and domains swapped; initializers with
/// lying dims, other element types, missing values or external data; nodes removed, duplicated or reordered;
/// IR and opset versions changed; subgraphs added. These reach the rewriter's and the operators' checks, which
/// byte mutations of a protobuf mostly do not get past the parser to.
/// </summary>
internal static class ModelMutator
{
    private static readonly long[] InterestingLongs =
        [0, 1, 2, 3, -1, -2, 4, 7, 64, 1 << 20, int.MaxValue, (long)int.MaxValue + 1, int.MinValue, 1L << 40, long.MaxValue, long.MinValue];

    private static readonly float[] InterestingFloats =
        [0f, -0f, 1f, -1f, 0.5f, 1e-30f, 1e30f, float.MaxValue, float.MinValue, float.Epsilon, float.NaN, float.PositiveInfinity, float.NegativeInfinity];

    private static readonly string[] AttributeNames =
    [
        "group", "strides", "pads", "dilations", "kernel_shape", "auto_pad", "epsilon", "training_mode", "spatial", "momentum",
        "alpha", "beta", "transA", "transB", "min", "max", "axis", "value", "value_float", "value_floats",
        DyveSchema.Activation, DyveSchema.ActivationAlpha, DyveSchema.ActivationMin, DyveSchema.ActivationMax,
        DyveSchema.SdssDelta, DyveSchema.ActivationScale, DyveSchema.SkipZeroMaps, DyveSchema.SkipZeroInputs,
        DyveSchema.Channels, DyveSchema.InputLayout, DyveSchema.OutputLayout, "count_include_pad", "ceil_mode", "storage_order",
        DyveSchema.LrnSize, DyveSchema.LrnBias,
    ];

    private static readonly string[] Strings =
        ["", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "same_upper", "none", "relu", "leaky_relu", "clip", "swish", "RELU", "\0", "\u00e9\u0301",
            DyveSchema.Layouts.Blocked, DyveSchema.Layouts.Planar];

    private static readonly string[] OpTypes =
    [
        "Conv", "Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Clip", "BatchNormalization", "Flatten", "Reshape", "Identity",
        "Constant", "MaxPool", "AveragePool", "Softmax", "Dropout", DyveSchema.ConvOp, DyveSchema.GemmOp,
        DyveSchema.MaxPoolOp, DyveSchema.AveragePoolOp, DyveSchema.LrnOp, "Mul", "Pow", "Log", "Exp", "",
    ];

    private static readonly string[] Domains = ["", "ai.onnx", DyveSchema.Domain, "com.microsoft", "ai.onnx.ml"];

    public static ModelProto Mutate(ModelProto seed, Random random)
    {
        ModelProto model = seed.Clone();
        int count = 1 + random.Next(3);
        for (int i = 0; i < count; i++) MutateOnce(model, random);
        return model;
    }

    private static void MutateOnce(ModelProto model, Random random)
    {
        GraphProto graph = model.Graph;
        int kind = random.Next(100);
        if (kind < 35 && graph.Node.Count > 0) MutateAttribute(Pick(graph.Node, random), random);
        else if (kind < 45 && graph.Node.Count > 0) MutateInputs(Pick(graph.Node, random), graph, random);
        else if (kind < 50 && graph.Node.Count > 0) MutateOutputs(Pick(graph.Node, random), graph, random);
        else if (kind < 56 && graph.Node.Count > 0)
        {
            NodeProto node = Pick(graph.Node, random);
            if (random.Next(3) == 0) node.Domain = Domains[random.Next(Domains.Length)];
            else node.OpType = OpTypes[random.Next(OpTypes.Length)];
        }
        else if (kind < 78 && graph.Initializer.Count > 0) MutateInitializer(Pick(graph.Initializer, random), graph, random);
        else if (kind < 90) MutateGraph(graph, random);
        else if (kind < 96) MutateVersions(model, random);
        else AddSubgraph(graph, random);
    }

    private static void MutateAttribute(NodeProto node, Random random)
    {
        if (node.Attribute.Count > 0 && random.Next(5) == 0)
        {
            node.Attribute.RemoveAt(random.Next(node.Attribute.Count));
            return;
        }
        string name = node.Attribute.Count > 0 && random.Next(2) == 0
            ? Pick(node.Attribute, random).Name
            : AttributeNames[random.Next(AttributeNames.Length)];
        AttributeProto? existing = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (existing is not null) node.Attribute.Remove(existing);
        node.Attribute.Add(RandomAttribute(name, existing?.Type, random));
    }

    /// <summary>Mostly of the type the attribute had (so the value, not the type, is what is wrong), sometimes another.</summary>
    private static AttributeProto RandomAttribute(string name, AttributeProto.Types.AttributeType? type, Random random)
    {
        AttributeProto.Types.AttributeType chosen = type is { } t && random.Next(4) != 0
            ? t
            : random.Next(6) switch
            {
                0 => AttributeProto.Types.AttributeType.Int,
                1 => AttributeProto.Types.AttributeType.Ints,
                2 => AttributeProto.Types.AttributeType.Float,
                3 => AttributeProto.Types.AttributeType.Floats,
                4 => AttributeProto.Types.AttributeType.String,
                _ => AttributeProto.Types.AttributeType.Tensor,
            };
        var attribute = new AttributeProto { Name = name, Type = chosen };
        switch (chosen)
        {
            case AttributeProto.Types.AttributeType.Int:
                attribute.I = InterestingLongs[random.Next(InterestingLongs.Length)];
                break;
            case AttributeProto.Types.AttributeType.Ints:
                int length = random.Next(6);
                for (int i = 0; i < length; i++) attribute.Ints.Add(random.Next(3) == 0 ? InterestingLongs[random.Next(InterestingLongs.Length)] : random.Next(4));
                break;
            case AttributeProto.Types.AttributeType.Float:
                attribute.F = InterestingFloats[random.Next(InterestingFloats.Length)];
                break;
            case AttributeProto.Types.AttributeType.Floats:
                int floats = random.Next(4);
                for (int i = 0; i < floats; i++) attribute.Floats.Add(InterestingFloats[random.Next(InterestingFloats.Length)]);
                break;
            case AttributeProto.Types.AttributeType.String:
                attribute.S = ByteString.CopyFromUtf8(Strings[random.Next(Strings.Length)]);
                break;
            default:
                attribute.T = RandomTensor(name, random);
                break;
        }
        return attribute;
    }

    private static TensorProto RandomTensor(string name, Random random)
    {
        int rank = random.Next(4);
        long[] dims = [.. Enumerable.Range(0, rank).Select(_ => (long)random.Next(4))];
        long count = dims.Aggregate(1L, (a, b) => a * b);
        TensorProto tensor = OnnxProto.FloatTensor(name, dims, new float[count]);
        if (random.Next(3) == 0) tensor.Dims.Add(InterestingLongs[random.Next(InterestingLongs.Length)]);
        return tensor;
    }

    private static void MutateInputs(NodeProto node, GraphProto graph, Random random)
    {
        switch (random.Next(4))
        {
            case 0 when node.Input.Count > 0:
                node.Input.RemoveAt(random.Next(node.Input.Count));
                break;
            case 1:
                node.Input.Add(random.Next(3) == 0 ? "" : AnyName(graph, random));
                break;
            case 2 when node.Input.Count > 0:
                node.Input[random.Next(node.Input.Count)] = random.Next(5) == 0 ? "" : random.Next(5) == 0 ? "nowhere" : AnyName(graph, random);
                break;
            default:
                // Two inputs swapped: X and W, A and B, min and max.
                if (node.Input.Count < 2) break;
                int a = random.Next(node.Input.Count), b = random.Next(node.Input.Count);
                (node.Input[a], node.Input[b]) = (node.Input[b], node.Input[a]);
                break;
        }
    }

    private static void MutateOutputs(NodeProto node, GraphProto graph, Random random)
    {
        switch (random.Next(3))
        {
            case 0 when node.Output.Count > 0:
                node.Output[random.Next(node.Output.Count)] = random.Next(3) == 0 ? "" : AnyName(graph, random);
                break;
            case 1:
                node.Output.Add(random.Next(2) == 0 ? "" : $"extra_{random.Next(100)}");
                break;
            default:
                if (node.Output.Count > 0) node.Output.RemoveAt(random.Next(node.Output.Count));
                break;
        }
    }

    private static void MutateInitializer(TensorProto tensor, GraphProto graph, Random random)
    {
        switch (random.Next(9))
        {
            case 0:
                if (tensor.Dims.Count > 0) tensor.Dims[random.Next(tensor.Dims.Count)] = InterestingLongs[random.Next(InterestingLongs.Length)];
                else tensor.Dims.Add(InterestingLongs[random.Next(InterestingLongs.Length)]);
                break;
            case 1:
                // A consistent reshape: dims and data still agree, so the value is read and its shape is what is wrong.
                long count = tensor.RawData.Length / 4 + tensor.FloatData.Count;
                tensor.Dims.Clear();
                if (random.Next(2) == 0) tensor.Dims.Add(count);
                else if (count % 2 == 0) tensor.Dims.Add([2, count / 2]);
                else tensor.Dims.Add([1, 1, 1, count]);
                break;
            case 2:
                if (random.Next(2) == 0 && tensor.Dims.Count > 0) tensor.Dims.RemoveAt(random.Next(tensor.Dims.Count));
                else tensor.Dims.Insert(random.Next(tensor.Dims.Count + 1), random.Next(3));
                break;
            case 3:
                tensor.DataType = random.Next(5) switch { 0 => 0, 1 => 7, 2 => 11, 3 => 1000, _ => 10 };
                break;
            case 4:
                if (tensor.RawData.Length > 0) tensor.RawData = tensor.RawData.Memory[..random.Next(tensor.RawData.Length)].ToArray() is var kept ? ByteString.CopyFrom(kept) : tensor.RawData;
                else if (tensor.FloatData.Count > 0) tensor.FloatData.RemoveAt(random.Next(tensor.FloatData.Count));
                break;
            case 5:
                // The same values stored the other way (float_data instead of raw bytes), sometimes in both.
                if (tensor.RawData.Length > 0 && tensor.RawData.Length % 4 == 0)
                {
                    float[] values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
                    tensor.FloatData.Add(values);
                    if (random.Next(3) != 0) tensor.RawData = ByteString.Empty;
                }
                break;
            case 6:
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = random.Next(2) == 0 ? "weights.bin" : "/etc/passwd" });
                break;
            case 7:
                graph.Initializer.Add(tensor.Clone());
                break;
            default:
                graph.Initializer.Remove(tensor);
                break;
        }
    }

    private static void MutateGraph(GraphProto graph, Random random)
    {
        switch (random.Next(8))
        {
            case 0 when graph.Node.Count > 0:
                graph.Node.RemoveAt(random.Next(graph.Node.Count));
                break;
            case 1 when graph.Node.Count > 0:
                graph.Node.Insert(random.Next(graph.Node.Count + 1), Pick(graph.Node, random).Clone());
                break;
            case 2 when graph.Node.Count > 1:
                int a = random.Next(graph.Node.Count), b = random.Next(graph.Node.Count);
                (graph.Node[a], graph.Node[b]) = (graph.Node[b], graph.Node[a]);
                break;
            case 3 when graph.Initializer.Count > 0:
                // An initializer listed as a graph input too: from IR 4 on only a default, so not a constant.
                TensorProto initializer = Pick(graph.Initializer, random);
                graph.Input.Add(OnnxProto.FloatValue(initializer.Name, [.. initializer.Dims]));
                break;
            case 4:
                graph.ValueInfo.Clear();
                break;
            case 5 when graph.Output.Count > 0:
                graph.Output.RemoveAt(random.Next(graph.Output.Count));
                break;
            case 6 when graph.Node.Count > 0:
                NodeProto node = Pick(graph.Node, random);
                if (node.Output.Count > 0) graph.Output.Add(OnnxProto.FloatValue(node.Output[0], random.Next(2) == 0 ? null : [1, 2]));
                break;
            default:
                if (graph.Input.Count > 0)
                {
                    ValueInfoProto input = Pick(graph.Input, random);
                    input.Type = random.Next(3) == 0 ? new TypeProto() : OnnxProto.Value(input.Name, TensorProto.Types.DataType.Float,
                        [.. Enumerable.Range(0, random.Next(6)).Select(_ => random.Next(3) == 0 ? -1L : random.Next(1, 40))]).Type;
                }
                break;
        }
    }

    private static void MutateVersions(ModelProto model, Random random)
    {
        if (random.Next(2) == 0)
        {
            model.IrVersion = random.Next(5) switch { 0 => 0, 1 => 3, 2 => 4, 3 => -1, _ => 10 };
            return;
        }
        OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null || random.Next(6) == 0)
        {
            model.OpsetImport.Clear();
            return;
        }
        opset.Version = random.Next(6) switch { 0 => 1, 1 => 6, 2 => 10, 3 => 11, 4 => 0, _ => 22 };
    }

    /// <summary>An If node whose branches read a tensor of the main graph: the rewriter must leave what they read alone.</summary>
    private static void AddSubgraph(GraphProto graph, Random random)
    {
        string read = AnyName(graph, random);
        var branch = new GraphProto { Name = "branch" };
        branch.Node.Add(OnnxProto.Node("Identity", "", "inner", [read], ["inner_out"], []));
        branch.Output.Add(OnnxProto.FloatValue("inner_out", null));
        var node = OnnxProto.Node("If", "", $"if_{random.Next(100)}", [read], [$"if_out_{random.Next(100)}"], []);
        node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
        node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch.Clone() });
        graph.Node.Insert(random.Next(graph.Node.Count + 1), node);
    }

    private static string AnyName(GraphProto graph, Random random)
    {
        var names = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(i => i.Name)).Concat(graph.Input.Select(i => i.Name)).ToList();
        return names.Count == 0 ? "x" : names[random.Next(names.Count)];
    }

    private static T Pick<T>(IList<T> items, Random random) => items[random.Next(items.Count)];
}
