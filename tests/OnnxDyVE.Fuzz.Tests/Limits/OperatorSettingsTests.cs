using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Fuzz.Tests.Support;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Fuzz.Tests.Limits;

/// <summary>
/// Bad DyVE settings in a rewritten model (DyveConv 'conv' with a fused clip, DyveGemm 'matmul' and 'gemm') that
/// the operator tests of OnnxDyVE.Tests do not cover: each must fail session creation or Run with an
/// <see cref="OnnxRuntimeException"/> naming the node and the setting, and never take the process down.
/// </summary>
public sealed class OperatorSettingsTests
{
    public static TheoryData<string> Cases() => new(BadSettings.Keys);

    private static readonly Dictionary<string, (string Node, string Word, Action<ModelProto> Break)> BadSettings = new()
    {
        ["leaky_relu slope NaN"] = ("conv", DyveSchema.ActivationAlpha, m =>
        {
            Set(m, "conv", OnnxProto.String(DyveSchema.Activation, DyveSchema.ActivationKinds.LeakyRelu));
            Set(m, "conv", OnnxProto.Float(DyveSchema.ActivationAlpha, float.NaN));
        }),
        ["clip min above max"] = ("conv", DyveSchema.ActivationMin, m => Set(m, "conv", OnnxProto.Float(DyveSchema.ActivationMin, 7f))),
        ["clip max NaN"] = ("conv", DyveSchema.ActivationMax, m => Set(m, "conv", OnnxProto.Float(DyveSchema.ActivationMax, float.NaN))),
        ["activation empty"] = ("conv", DyveSchema.Activation, m => Set(m, "conv", OnnxProto.String(DyveSchema.Activation, ""))),
        ["activation upper case"] = ("gemm", DyveSchema.Activation, m => Set(m, "gemm", OnnxProto.String(DyveSchema.Activation, "RELU"))),
        ["activation of type int"] = ("conv", DyveSchema.Activation, m => Set(m, "conv", OnnxProto.Int(DyveSchema.Activation, 1))),
        ["gemm alpha NaN"] = ("gemm", "alpha", m => Set(m, "gemm", OnnxProto.Float("alpha", float.NaN))),
        ["gemm beta infinite"] = ("matmul", "beta", m => Set(m, "matmul", OnnxProto.Float("beta", float.PositiveInfinity))),
        ["auto_pad lower case"] = ("conv", "auto_pad", m => Set(m, "conv", OnnxProto.String("auto_pad", "same_upper"))),
        ["three pads"] = ("conv", "pads", m => Set(m, "conv", OnnxProto.Ints("pads", 1, 1, 1))),
        ["zero dilation"] = ("conv", "dilations", m => Set(m, "conv", OnnxProto.Ints("dilations", 0, 1))),
        ["pad beyond int"] = ("conv", "pads", m => Set(m, "conv", OnnxProto.Ints("pads", 1, 1, 1L << 40, 1))),
        ["sdss_delta negative zero is zero, activation_scale tiny negative"] = ("conv", DyveSchema.ActivationScale, m =>
        {
            Set(m, "conv", OnnxProto.Float(DyveSchema.SdssDelta, -0f));
            Set(m, "conv", OnnxProto.Float(DyveSchema.ActivationScale, -float.Epsilon));
        }),
        ["spet_prefix 1"] = ("gemm", DyveSchema.SpetPrefix, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetPrefix, 1f))),
        ["spet_prefix negative"] = ("gemm", DyveSchema.SpetPrefix, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetPrefix, -0.25f))),
        ["spet_prefix NaN"] = ("gemm", DyveSchema.SpetPrefix, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetPrefix, float.NaN))),
        ["spet_delta negative"] = ("gemm", DyveSchema.SpetDelta, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetDelta, -1f))),
        ["spet_delta infinite"] = ("gemm", DyveSchema.SpetDelta, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetDelta, float.PositiveInfinity))),
        ["gemm activation_scale 0"] = ("gemm", DyveSchema.ActivationScale, m => Set(m, "gemm", OnnxProto.Float(DyveSchema.ActivationScale, 0f))),
        ["gemm activation_scale NaN"] = ("matmul", DyveSchema.ActivationScale, m => Set(m, "matmul", OnnxProto.Float(DyveSchema.ActivationScale, float.NaN))),
        ["spet after leaky_relu"] = ("matmul", DyveSchema.SpetPrefix, m => Set(m, "matmul", OnnxProto.Float(DyveSchema.SpetPrefix, 0.5f))),
        ["spet with no activation"] = ("gemm", DyveSchema.SpetPrefix, m =>
        {
            Set(m, "gemm", OnnxProto.String(DyveSchema.Activation, DyveSchema.ActivationKinds.None));
            Set(m, "gemm", OnnxProto.Float(DyveSchema.SpetPrefix, 0.5f));
        }),
        ["sfma_delta negative"] = ("conv", DyveSchema.SfmaDelta, m => Set(m, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, -0.5f))),
        ["sfma_delta NaN"] = ("conv", DyveSchema.SfmaDelta, m => Set(m, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, float.NaN))),
        ["sfma_delta infinite"] = ("conv", DyveSchema.SfmaDelta, m => Set(m, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, float.PositiveInfinity))),
        ["input_scale zero"] = ("conv", DyveSchema.InputScale, m => Set(m, "conv", OnnxProto.Float(DyveSchema.InputScale, 0f))),
        ["input_scale NaN"] = ("conv", DyveSchema.InputScale, m => Set(m, "conv", OnnxProto.Float(DyveSchema.InputScale, float.NaN))),
        ["sfma with sdss"] = ("conv", DyveSchema.SfmaDelta, m =>
        {
            Set(m, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, 0.5f));
            Set(m, "conv", OnnxProto.Float(DyveSchema.SdssDelta, 0.5f));
        }),
        ["sfma with spet"] = ("conv", DyveSchema.SfmaDelta, m =>
        {
            Set(m, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, 0.5f));
            Set(m, "conv", OnnxProto.Float(DyveSchema.SpetPrefix, 0.5f));
        }),
        ["sfma_pairs without sfma_delta"] = ("conv", DyveSchema.SfmaPairs, m => Set(m, "conv", OnnxProto.Ints(DyveSchema.SfmaPairs, 0, 1))),
        ["sfma_pairs odd"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, 0, 1, 2))),
        ["sfma_pairs out of range"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, 0, 3))),
        ["sfma_pairs negative"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, -1, 0))),
        ["sfma_pairs beyond int"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, 0, 1L << 32))),
        ["sfma_pairs a channel with itself"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, 1, 1))),
        ["sfma_pairs a channel in two pairs"] = ("conv", DyveSchema.SfmaPairs, m => WithSfma(m, OnnxProto.Ints(DyveSchema.SfmaPairs, 0, 1, 1, 2))),
        ["stored effort above 1"] = ("conv", "effort", m => StoreEffort(m, OnnxProto.FloatScalar(EffortInput.Name, 2f))),
        ["stored effort NaN"] = ("conv", "effort", m => StoreEffort(m, OnnxProto.FloatScalar(EffortInput.Name, float.NaN))),
        ["stored effort negative"] = ("conv", "effort", m => StoreEffort(m, OnnxProto.FloatScalar(EffortInput.Name, -0.5f))),
        ["W of rank 3"] = ("conv", "rank", m =>
        {
            TensorProto w = m.Graph.Initializer.Single(t => t.Name == Node(m, "conv").Input[1]);
            long[] dims = [.. w.Dims];
            w.Dims.Clear();
            w.Dims.Add([dims[0], dims[1], dims[2] * dims[3]]);
        }),
        ["bias one short"] = ("conv", "B", m =>
        {
            TensorProto b = m.Graph.Initializer.Single(t => t.Name == Node(m, "conv").Input[2]);
            b.Dims[0] -= 1;
            b.RawData = ByteString.CopyFrom(b.RawData.Span[..^4]);
        }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_setting_fails_naming_the_node_and_the_setting(string name)
    {
        (string node, string word, Action<ModelProto> breakIt) = BadSettings[name];
        ModelProto model = DyveRewriter.Rewrite(SeedModels.Fusions()).Model;
        breakIt(model);

        Exception? error = Record.Exception(() => CreateAndRun(model));

        OnnxRuntimeException ort = Assert.IsType<OnnxRuntimeException>(error);
        Assert.Contains($"'{node}'", ort.Message, StringComparison.Ordinal);
        Assert.Contains(word, ort.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unbroken_model_runs()
    {
        CreateAndRun(DyveRewriter.Rewrite(SeedModels.Fusions()).Model);
    }

    private static void CreateAndRun(ModelProto model)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        options.AppendDyVE();
        using var session = new InferenceSession(model.ToByteArray(), options);
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(new float[3 * 8 * 8], [1, 3, 8, 8]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["X"], [x], session.OutputNames);
    }

    private static NodeProto Node(ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name && n.Domain == DyveSchema.Domain);

    private static void Set(ModelProto model, string node, AttributeProto attribute)
    {
        NodeProto target = Node(model, node);
        AttributeProto? existing = target.Attribute.FirstOrDefault(a => a.Name == attribute.Name);
        if (existing is not null) target.Attribute.Remove(existing);
        target.Attribute.Add(attribute);
    }

    private static void WithSfma(ModelProto model, AttributeProto pairs)
    {
        Set(model, "conv", OnnxProto.Float(DyveSchema.SfmaDelta, 0.5f));
        Set(model, "conv", pairs);
    }

    private static void StoreEffort(ModelProto model, TensorProto value)
    {
        GraphProto graph = model.Graph;
        graph.Initializer[graph.Initializer.IndexOf(graph.Initializer.Single(t => t.Name == EffortInput.Name))] = value;
    }
}
