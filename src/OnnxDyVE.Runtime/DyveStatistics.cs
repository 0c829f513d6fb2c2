using OnnxDyVE.Kernels;
using OnnxDyVE.Operators;

namespace OnnxDyVE;

/// <summary>The work one DyVE node has done since its session was created.</summary>
/// <param name="Node">The node's name in the model.</param>
/// <param name="Op">DyveConv or DyveGemm.</param>
/// <param name="Kernel">The kernel's number in this process (creation order): tells apart nodes of the same name in different sessions.</param>
public readonly record struct DyveNodeStatistics(string Node, string Op, CounterValues Counters, long Kernel = 0);

/// <summary>
/// Per-node accounting of every DyVE kernel alive in this process: runs, multiply-accumulates executed, and
/// the dense multiply-accumulates they replace. Take a snapshot before and after the runs of interest and
/// subtract: counters only grow, and run concurrently they add up.
/// </summary>
public static class DyveStatistics
{
    /// <summary>One entry per live DyVE kernel (sessions created and not disposed), in creation order.</summary>
    /// <summary>The number of the last DyVE kernel created in this process: every kernel created later has a larger one.</summary>
    public static long LastKernel => LiveKernels.LastId;

    public static IReadOnlyList<DyveNodeStatistics> Snapshot() =>
        LiveKernels.All().Select(entry => new DyveNodeStatistics(entry.Kernel.NodeName, entry.Kernel.OpName, entry.Kernel.Counters.Read(), entry.Id)).ToList();
}
