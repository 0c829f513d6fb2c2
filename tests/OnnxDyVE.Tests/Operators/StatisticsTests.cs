using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// Per-node accounting read from C# after runs: what each DyVE node did, read for the session options its session
/// was made with (exactly that session's nodes, whatever else the process runs), and nothing once its session is gone.
/// </summary>
public sealed class StatisticsTests
{
    private static readonly TimeSpan MeetingTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Each_node_counts_its_runs_and_multiply_accumulates()
    {
        // Unique node names for the process-wide snapshot: tests in other classes create DyVE kernels at the same time.
        string convName = $"conv_{Guid.NewGuid():N}";
        string gemmName = $"gemm_{Guid.NewGuid():N}";
        var conv = new ConvLayer(2, 4, 7, 9, 6, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true };
        var gemm = new GemmLayer(3, 20, 7) { TransB = true };
        ModelProto convModel = LayerModels.Conv(conv, 1, LayerPaths.Dyve);
        convModel.Graph.Node[0].Name = convName;
        ModelProto gemmModel = LayerModels.Gemm(gemm, 1, LayerPaths.Dyve);
        gemmModel.Graph.Node[0].Name = gemmName;

        using (var convSession = new LayerSession(convModel))
        using (var gemmSession = new LayerSession(gemmModel))
        {
            float[] x = LayerParameters.Uniform(new Random(1), LayerParameters.Count(conv.InputShape()));
            float[] a = LayerParameters.Uniform(new Random(2), LayerParameters.Count(gemm.AShape()));
            for (int run = 0; run < 3; run++) convSession.Run(x, conv.InputShape(), LayerModels.DyveOutput);
            gemmSession.Run(a, gemm.AShape(), LayerModels.DyveOutput);

            DyveNodeStatistics convStatistics = Assert.Single(convSession.Statistics());
            Assert.Equal((convName, "DyveConv"), (convStatistics.Node, convStatistics.Op));
            long convMacs = 3L * 2 * 6 * 4 * 3 * 3 * 7 * 9;
            Assert.Equal(new CounterValues(3, convMacs, convMacs, Outputs: 3L * 2 * 6 * 7 * 9), convStatistics.Counters with { RunTicks = 0 });
            Assert.True(convStatistics.Counters.RunTicks > 0);
            DyveNodeStatistics gemmStatistics = Assert.Single(gemmSession.Statistics());
            Assert.Equal((gemmName, "DyveGemm", 1L, 3L * 20 * 7), (gemmStatistics.Node, gemmStatistics.Op, gemmStatistics.Counters.Runs, gemmStatistics.Counters.DenseMacs));
            Assert.Equal(1.0, convStatistics.Counters.MacReduction);

            var processWide = DyveStatistics.Snapshot().ToDictionary(s => s.Node);
            Assert.Equal(convStatistics.Kernel, processWide[convName].Kernel);
            Assert.Equal(gemmStatistics.Kernel, processWide[gemmName].Kernel);
        }

        Assert.DoesNotContain(DyveStatistics.Snapshot(), s => s.Node == convName || s.Node == gemmName);
    }

    /// <summary>
    /// Two sessions of one model (the same node names) created at the same moment on two threads, then run with
    /// different inputs, efforts and run counts while both exist: each reads exactly its own work, runs and dense
    /// multiply-accumulates as the shapes say, executed ones as the same runs count in a session alone. Several
    /// rounds, since which session's kernels ORT creates first varies.
    /// </summary>
    [Fact]
    public async Task Sessions_of_one_model_created_at_once_each_read_only_their_own_work()
    {
        var layer = new GemmLayer(4, 300, 70) { TransB = true, Activation = LayerActivation.Relu };
        ModelProto model = SpetGemmModel.Create(layer);
        SessionWork[] work = [new(InputSeed: 1, Effort: 0f, Runs: 2), new(InputSeed: 2, Effort: 1f, Runs: 3)];
        CounterValues[] alone = [.. work.Select(w => RunAndRead(model, layer, w, meeting: null))];
        Assert.NotEqual(alone[0].ExecutedMacs, alone[1].ExecutedMacs);

        for (int round = 0; round < 4; round++)
        {
            using var meeting = new Barrier(work.Length);
            Task<CounterValues>[] sessions = [.. work.Select(w =>
                Task.Factory.StartNew(() => RunAndRead(model, layer, w, meeting), TaskCreationOptions.LongRunning))];
            CounterValues[] read = await Task.WhenAll(sessions);

            for (int i = 0; i < work.Length; i++)
            {
                Assert.Equal(work[i].Runs, read[i].Runs);
                Assert.Equal(work[i].Runs * layer.M * layer.K * layer.N, read[i].DenseMacs);
                Assert.Equal(alone[i] with { RunTicks = 0 }, read[i] with { RunTicks = 0 });
            }
        }
    }

    [Fact]
    public void Sessions_sharing_options_share_their_statistics()
    {
        byte[] model = LayerModels.Gemm(new GemmLayer(2, 8, 3), 1, LayerPaths.Dyve).ToByteArray();
        using SessionOptions options = new SessionOptions().AppendDyVE().AppendDyVE();
        using var first = new InferenceSession(model, options);
        using var second = new InferenceSession(model, options);

        IReadOnlyList<DyveNodeStatistics> statistics = DyveStatistics.Snapshot(options);

        Assert.Equal([LayerModels.DyveGemmNode, LayerModels.DyveGemmNode], statistics.Select(s => s.Node));
        Assert.NotEqual(statistics[0].Kernel, statistics[1].Kernel);
    }

    [Fact]
    public void A_disposed_session_leaves_its_options_no_statistics()
    {
        byte[] model = LayerModels.Gemm(new GemmLayer(2, 8, 3), 1, LayerPaths.Dyve).ToByteArray();
        var options = new SessionOptions().AppendDyVE();
        using (new InferenceSession(model, options))
            Assert.Single(DyveStatistics.Snapshot(options));

        Assert.Empty(DyveStatistics.Snapshot(options));
        options.Dispose();
        Assert.Empty(DyveStatistics.Snapshot(options));
    }

    [Fact]
    public void Options_without_DyVE_have_no_statistics_to_read()
    {
        using var options = new SessionOptions();

        var error = Assert.Throws<ArgumentException>(() => DyveStatistics.Snapshot(options));

        Assert.Contains("AppendDyVE", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => DyveStatistics.Snapshot(null!));
    }

    /// <summary>What one session runs: its input's seed, the effort fed and how many runs.</summary>
    private sealed record SessionWork(int InputSeed, float Effort, int Runs);

    /// <summary>
    /// Creates a session, runs <paramref name="work"/> and reads the session's one node. With a
    /// <paramref name="meeting"/>, the sessions meet there before they are created, before the first run, before
    /// reading and before disposing, so that all are created together and all exist while any runs or reads.
    /// </summary>
    private static CounterValues RunAndRead(ModelProto model, GemmLayer layer, SessionWork work, Barrier? meeting)
    {
        Meet(meeting);
        using var session = new LayerSession(model);
        Meet(meeting);
        float[] a = [.. LayerParameters.Uniform(new Random(work.InputSeed), layer.M * layer.K).Select(v => Math.Max(0f, v))];
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(a, layer.AShape());
        using OrtValue effort = OrtValue.CreateTensorValueFromMemory(new[] { work.Effort }, []);
        for (int run = 0; run < work.Runs; run++) session.Run([(LayerModels.Input, x), (SpetGemmModel.Effort, effort)], LayerModels.DyveOutput);
        Meet(meeting);
        DyveNodeStatistics statistics = Assert.Single(session.Statistics());
        Assert.Equal(LayerModels.DyveGemmNode, statistics.Node);
        Meet(meeting);
        return statistics.Counters;
    }

    /// <summary>Waits for the other sessions; a partner that failed would otherwise leave this one waiting for good.</summary>
    private static void Meet(Barrier? meeting)
    {
        if (meeting is not null && !meeting.SignalAndWait(MeetingTimeout))
            throw new TimeoutException("the other session never reached the meeting point");
    }
}
