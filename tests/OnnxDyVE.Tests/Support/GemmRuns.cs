using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Gemm;

namespace OnnxDyVE.Tests.Support;

/// <summary>Runs a Gemm kernel as a host does, task by task, on this thread, into guarded output.</summary>
internal static unsafe class GemmRuns
{
    /// <summary>Y of <paramref name="layer"/> from A and C (null for none) at <paramref name="effort"/>; fails if a guard was overwritten.</summary>
    public static float[] Run(GemmKernel kernel, GemmLayer layer, float[] a, float[]? c, string context, float effort = 0f)
    {
        GemmWork work = kernel.Plan(layer.M, effort);
        long[]? cShape = layer.CShape();
        GemmBias bias = cShape is null ? default : GemmBias.For(cShape, layer.M, layer.N);
        var output = new GuardedOutput(layer.M * layer.N);
        fixed (float* x = a)
        fixed (float* pc = c)
        fixed (float* y = output)
        {
            for (int task = 0; task < work.TaskCount; task++) kernel.RunTask(work, x, pc, bias, y, task);
        }
        output.AssertGuardsIntact(context);
        return output.Values.ToArray();
    }
}
