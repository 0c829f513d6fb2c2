using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Benchmarks;

/// <summary>A planned convolution run on the calling thread: every phase's tasks in order, as the operator's tasks would run them on one thread.</summary>
internal static unsafe class KernelRuns
{
    public static void Run(ConvKernel kernel, in ConvWork work, float[] input, float[] output)
    {
        fixed (float* x = input)
        fixed (float* y = output)
        {
            float* shared = kernel.RentRunScratch(work);
            for (int phase = 0; phase < work.PhaseCount; phase++)
                for (int task = 0; task < work.PhaseTasks(phase); task++)
                    kernel.RunPhaseTask(work, phase, x, y, shared, task);
        }
    }
}
