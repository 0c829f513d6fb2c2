using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// DyveGemm with SPET inside ONNX Runtime, beside ORT's Gemm + Relu on the same initializers and input, the effort fed as
/// the node's input 3: at effort 0 (exact SPET) the output is the Gemm's and work is skipped; more effort (here t up to
/// 2) skips more; a bad effort fails the run naming it.
/// </summary>
public sealed class DyveGemmSpetTests
{
    private const string Effort = "effort";

    [Theory]
    [InlineData(1, GemmBiasShape.Row)]
    [InlineData(3, GemmBiasShape.None)]
    [InlineData(20, GemmBiasShape.Full)]
    public void Effort_0_gives_the_gemm_output_and_more_effort_skips_more(int batch, GemmBiasShape bias)
    {
        var layer = new GemmLayer(batch, 300, 70) { TransB = true, Bias = bias, Activation = LayerActivation.Relu };
        string node = $"gemm_{Guid.NewGuid():N}";
        using var session = new LayerSession(WithSpet(layer, node));
        // Inputs as a ReLU leaves them: non-negative, about half zero.
        float[] a = [.. LayerParameters.Uniform(new Random(3), layer.M * layer.K).Select(v => Math.Max(0f, v))];
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(a, layer.AShape());

        long previous = long.MaxValue;
        foreach (float effort in new[] { 0f, 0.5f, 1f })
        {
            CounterValues before = Counters(node);
            using OrtValue value = OrtValue.CreateTensorValueFromMemory(new[] { effort }, []);
            LayerOutput[] outputs = session.Run([(LayerModels.Input, x), (Effort, value)], LayerModels.ReferenceOutput, LayerModels.DyveOutput);
            CounterValues counters = Counters(node) - before;

            Assert.Equal((long)layer.M * layer.K * layer.N, counters.DenseMacs);
            Assert.True(counters.ExecutedMacs < previous, $"effort {effort}: {counters}");
            Assert.True(counters.OverheadOps > 0);
            if (effort == 0) OutputComparison.AssertClose(outputs[0].Values, outputs[1].Values, $"{layer} at effort 0");
            previous = counters.ExecutedMacs;
        }
    }

    [Fact]
    public void An_effort_above_1_fails_the_run_naming_it()
    {
        var layer = new GemmLayer(1, 40, 9) { Activation = LayerActivation.Relu };
        string node = $"gemm_{Guid.NewGuid():N}";
        using var session = new LayerSession(WithSpet(layer, node));
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(new float[40], layer.AShape());
        using OrtValue effort = OrtValue.CreateTensorValueFromMemory(new[] { 1.5f }, []);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run([(LayerModels.Input, x), (Effort, effort)], LayerModels.DyveOutput));

        Assert.Contains(node, error.Message, StringComparison.Ordinal);
        Assert.Contains("effort", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// <paramref name="layer"/>'s model with the DyveGemm named <paramref name="node"/>, SPET on (a quarter of K first,
    /// spet_delta 2), reading graph input <see cref="Effort"/> as its input 3 (C left out as the empty name).
    /// </summary>
    private static ModelProto WithSpet(GemmLayer layer, string node)
    {
        ModelProto model = LayerModels.Gemm(layer, seed: 8);
        NodeProto dyve = model.Graph.Node.Single(n => n.Domain == LayerModels.DyveDomain);
        dyve.Name = node;
        dyve.Attribute.Add(OnnxProto.Float(DyveSchema.SpetPrefix, 0.25f));
        dyve.Attribute.Add(OnnxProto.Float(DyveSchema.SpetDelta, 2f));
        if (dyve.Input.Count == 2) dyve.Input.Add("");
        dyve.Input.Add(Effort);
        model.Graph.Input.Add(OnnxProto.Value(Effort, TensorProto.Types.DataType.Float, null));
        return model;
    }

    private static CounterValues Counters(string node) =>
        DyveStatistics.Snapshot().Where(s => s.Node == node).Select(s => s.Counters).SingleOrDefault();
}
