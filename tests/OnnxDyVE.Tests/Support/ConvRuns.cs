using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Tests.Support;

/// <summary>Runs a planned convolution as a host does, phase by phase, task by task, on this thread.</summary>
internal static unsafe class ConvRuns
{
    /// <param name="outputLength">Floats of output (default: planar maps of every output channel; more for blocked maps).</param>
    /// <param name="residual">The tensor a residual convolution adds (<see cref="ConvSpec.Residual"/>), of the output's length.</param>
    public static GuardedOutput Run(ConvKernel kernel, ConvWork work, float[] input, int? outputLength = null, float[]? residual = null)
    {
        var output = new GuardedOutput(outputLength ?? work.Batch * kernel.Spec.OutputChannels * work.Geometry.OutputSize);
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (float* z = residual)
        {
            float* shared = kernel.RentRunScratch(work);
            for (int phase = 0; phase < work.PhaseCount; phase++)
                for (int task = 0; task < work.PhaseTasks(phase); task++)
                    kernel.RunPhaseTask(work, phase, x, y, shared, task, z);
        }
        return output;
    }

    /// <summary>Runs <paramref name="layer"/>'s input at rising efforts, 0 to 1: the MACs executed may only fall.</summary>
    public static void AssertWorkNeverGrowsWithEffort(ConvKernel kernel, ConvLayer layer, float[] input, string context)
    {
        long previous = long.MaxValue;
        foreach (float effort in new[] { 0f, 0.1f, 0.3f, 0.6f, 1f })
        {
            CounterValues before = kernel.Counters.Read();
            Run(kernel, kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, effort: effort), input);
            long executed = (kernel.Counters.Read() - before).ExecutedMacs;
            Assert.True(executed <= previous, $"{context}: effort {effort} executed {executed} MACs, more than {previous} at less effort");
            previous = executed;
        }
    }
}
