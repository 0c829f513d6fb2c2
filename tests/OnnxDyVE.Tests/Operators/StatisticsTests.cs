using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>Per-node accounting read from C# after runs: what each DyVE node did, and nothing once its session is gone.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public void Each_node_counts_its_runs_and_multiply_accumulates()
    {
        // Unique node names: tests in other classes create DyVE kernels at the same time.
        string convName = $"conv_{Guid.NewGuid():N}";
        string gemmName = $"gemm_{Guid.NewGuid():N}";
        var conv = new ConvLayer(2, 4, 7, 9, 6, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true };
        var gemm = new GemmLayer(3, 20, 7) { TransB = true };
        Onnx.ModelProto convModel = LayerModels.Conv(conv, 1, LayerPaths.Dyve);
        convModel.Graph.Node[0].Name = convName;
        Onnx.ModelProto gemmModel = LayerModels.Gemm(gemm, 1, LayerPaths.Dyve);
        gemmModel.Graph.Node[0].Name = gemmName;

        using (var convSession = new LayerSession(convModel))
        using (var gemmSession = new LayerSession(gemmModel))
        {
            float[] x = LayerParameters.Uniform(new Random(1), LayerParameters.Count(conv.InputShape()));
            float[] a = LayerParameters.Uniform(new Random(2), LayerParameters.Count(gemm.AShape()));
            for (int run = 0; run < 3; run++) convSession.Run(x, conv.InputShape(), LayerModels.DyveOutput);
            gemmSession.Run(a, gemm.AShape(), LayerModels.DyveOutput);

            var byNode = DyveStatistics.Snapshot().ToDictionary(s => s.Node);
            DyveNodeStatistics convStatistics = byNode[convName];
            Assert.Equal("DyveConv", convStatistics.Op);
            long convMacs = 3L * 2 * 6 * 4 * 3 * 3 * 7 * 9;
            Assert.Equal(new OnnxDyVE.Kernels.CounterValues(3, convMacs, convMacs, Outputs: 3L * 2 * 6 * 7 * 9), convStatistics.Counters with { RunTicks = 0 });
            Assert.True(convStatistics.Counters.RunTicks > 0);
            DyveNodeStatistics gemmStatistics = byNode[gemmName];
            Assert.Equal(("DyveGemm", 1L, 3L * 20 * 7), (gemmStatistics.Op, gemmStatistics.Counters.Runs, gemmStatistics.Counters.DenseMacs));
            Assert.Equal(1.0, convStatistics.Counters.MacReduction);
        }

        Assert.DoesNotContain(DyveStatistics.Snapshot(), s => s.Node == convName || s.Node == gemmName);
    }
}
