using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Tests.Support;

/// <summary>Runs a planned convolution as a host does, phase by phase, task by task, on this thread.</summary>
internal static unsafe class ConvRuns
{
    public static GuardedOutput Run(ConvKernel kernel, ConvWork work, float[] input)
    {
        var output = new GuardedOutput(work.Batch * kernel.Spec.OutputChannels * work.Geometry.OutputSize);
        fixed (float* x = input)
        fixed (float* y = output)
        {
            float* shared = kernel.RentRunScratch(work);
            for (int phase = 0; phase < work.PhaseCount; phase++)
                for (int task = 0; task < work.PhaseTasks(phase); task++)
                    kernel.RunPhaseTask(work, phase, x, y, shared, task);
        }
        return output;
    }
}
