using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Kernels;
using OnnxDyVE.Operators;

namespace OnnxDyVE;

/// <summary>The work one DyVE node has done since its session was created.</summary>
/// <param name="Node">The node's name in the model.</param>
/// <param name="Op">DyveConv or DyveGemm.</param>
/// <param name="Kernel">The kernel's number in this process (creation order): tells apart nodes of the same name in different sessions.</param>
public readonly record struct DyveNodeStatistics(string Node, string Op, CounterValues Counters, long Kernel = 0);

/// <summary>
/// Per-node accounting of the DyVE kernels alive in this process that multiply (DyveConv, DyveGemm; not the pools or DyveLrn):
/// runs, multiply-accumulates executed, and the dense multiply-accumulates they replace. Take a snapshot before and after the runs of interest and subtract:
/// counters only grow, and run concurrently they add up.
/// </summary>
public static class DyveStatistics
{
    /// <summary>One entry per live DyVE kernel (sessions created and not disposed), in creation order.</summary>
    public static IReadOnlyList<DyveNodeStatistics> Snapshot() => Read(LiveKernels.All());

    /// <summary>
    /// One entry per live DyVE kernel of the sessions made from <paramref name="options"/> (the options
    /// <see cref="SessionOptionsExtensions.AppendDyVE"/> registered the operators with), in creation order: exactly
    /// one session's nodes when the options made one session, whatever other sessions of the same model exist.
    /// Empty once those sessions are disposed (their kernels go with them), the options disposed or not. Throws
    /// <see cref="ArgumentException"/> if the operators were never registered with <paramref name="options"/>.
    /// </summary>
    public static IReadOnlyList<DyveNodeStatistics> Snapshot(SessionOptions options) =>
        Read(LiveKernels.Of(SessionOptionsExtensions.RegistrationOf(options)));

    private static List<DyveNodeStatistics> Read(LiveKernel[] kernels) =>
        [.. kernels.Where(entry => entry.Kernel is not (PoolOperatorKernel or LrnOperatorKernel))
            .Select(entry => new DyveNodeStatistics(entry.Kernel.NodeName, entry.Kernel.OpName, entry.Kernel.Counters.Read(), entry.Id))];
}
