using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using OnnxDyVE.Graph;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Operators;

/// <summary>
/// One kernel instance serves every concurrent Run of a session, so anything it keeps per run (scratch
/// buffers, plans) must not leak between threads. Each output is computed by one task in a fixed order, so
/// concurrent results must equal single-threaded ones bit for bit, not merely within tolerance.
/// </summary>
public sealed class ConcurrentRunTests
{
    private const int Threads = 8;
    private const int RunsPerThread = 50;

    // Large enough that a run is cut into several tasks (3 column chunks; 2 for the Gemm), small enough to be quick.
    private static readonly ConvLayer Conv = new(1, 16, 24, 24, 32, 3, 3)
        { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu };

    private static readonly GemmLayer Gemm = new(8, 200, 300)
        { TransB = true, Bias = GemmBiasShape.Row, Activation = LayerActivation.LeakyRelu(0.1f) };

    [Fact]
    public void Eight_threads_reproduce_single_threaded_results_bit_for_bit()
    {
        using var convSession = new LayerSession(LayerModels.Conv(Conv, seed: 11, LayerPaths.Dyve));
        using var gemmSession = new LayerSession(LayerModels.Gemm(Gemm, seed: 12, LayerPaths.Dyve));

        int runs = Threads * RunsPerThread;
        float[][] convInputs = Inputs(runs, LayerParameters.Count(Conv.InputShape()), seedBase: 100_000);
        float[][] gemmInputs = Inputs(runs, Gemm.M * Gemm.K, seedBase: 200_000);
        float[][] convExpected = convInputs.Select(x => RunConv(convSession, x)).ToArray();
        float[][] gemmExpected = gemmInputs.Select(x => RunGemm(gemmSession, x)).ToArray();

        var mismatches = new ConcurrentQueue<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            // An exception escaping a thread would end the test host: record it as a failure instead.
            try
            {
                for (int i = 0; i < RunsPerThread; i++)
                {
                    int run = t * RunsPerThread + i;
                    if (!BitwiseEqual(RunConv(convSession, convInputs[run]), convExpected[run])) mismatches.Enqueue($"conv run {run} (thread {t})");
                    if (!BitwiseEqual(RunGemm(gemmSession, gemmInputs[run]), gemmExpected[run])) mismatches.Enqueue($"gemm run {run} (thread {t})");
                }
            }
            catch (Exception exception)
            {
                mismatches.Enqueue($"thread {t} threw {exception.GetType().Name}: {exception.Message}");
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} concurrent runs differ from single-threaded ones or failed: {string.Join(", ", mismatches.Take(10))}");
    }

    private static float[] RunConv(LayerSession session, float[] input) =>
        session.Run(input, Conv.InputShape(), LayerModels.DyveOutput)[0].Values;

    private static float[] RunGemm(LayerSession session, float[] input) =>
        session.Run(input, Gemm.AShape(), LayerModels.DyveOutput)[0].Values;

    private static float[][] Inputs(int count, int length, int seedBase) =>
        Enumerable.Range(0, count).Select(i => LayerParameters.Uniform(new Random(seedBase + i), length)).ToArray();

    private static bool BitwiseEqual(float[] actual, float[] expected) =>
        MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan()));
}
