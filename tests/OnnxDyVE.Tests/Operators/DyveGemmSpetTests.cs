using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// DyveGemm with SPET inside ONNX Runtime, beside ORT's Gemm + Relu on the same initializers and input, the effort fed as
/// the node's input 3: at effort 0 (exact SPET) the output is the Gemm's and work is skipped; more effort (here t up to
/// 2) skips more; a bad effort fails the run naming it.
/// </summary>
public sealed class DyveGemmSpetTests
{
    [Theory]
    [InlineData(1, GemmBiasShape.Row)]
    [InlineData(3, GemmBiasShape.None)]
    [InlineData(20, GemmBiasShape.Full)]
    public void Effort_0_gives_the_gemm_output_and_more_effort_skips_more(int batch, GemmBiasShape bias)
    {
        var layer = new GemmLayer(batch, 300, 70) { TransB = true, Bias = bias, Activation = LayerActivation.Relu };
        using var session = new LayerSession(SpetGemmModel.Create(layer));
        // Inputs as a ReLU leaves them: non-negative, about half zero.
        float[] a = [.. LayerParameters.Uniform(new Random(3), layer.M * layer.K).Select(v => Math.Max(0f, v))];
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(a, layer.AShape());

        long previous = long.MaxValue;
        foreach (float effort in new[] { 0f, 0.5f, 1f })
        {
            CounterValues before = Counters(session);
            using OrtValue value = OrtValue.CreateTensorValueFromMemory(new[] { effort }, []);
            LayerOutput[] outputs = session.Run([(LayerModels.Input, x), (SpetGemmModel.Effort, value)], LayerModels.ReferenceOutput, LayerModels.DyveOutput);
            CounterValues counters = Counters(session) - before;

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
        using var session = new LayerSession(SpetGemmModel.Create(layer));
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(new float[40], layer.AShape());
        using OrtValue effort = OrtValue.CreateTensorValueFromMemory(new[] { 1.5f }, []);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run([(LayerModels.Input, x), (SpetGemmModel.Effort, effort)], LayerModels.DyveOutput));

        Assert.Contains(LayerModels.DyveGemmNode, error.Message, StringComparison.Ordinal);
        Assert.Contains("effort", error.Message, StringComparison.Ordinal);
    }

    private static CounterValues Counters(LayerSession session) => session.Statistics().Single().Counters;
}
