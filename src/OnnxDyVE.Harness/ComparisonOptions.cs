using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Harness;

/// <summary>The session options of every measured session, stock or DyVE alike, so that only the model differs.</summary>
public static class ComparisonOptions
{
    /// <summary>
    /// <paramref name="threads"/> intra-op threads that do not spin (spinning pool threads steal time from
    /// whatever runs next: ORT-INTEROP pitfall 7), sequential execution, all graph optimizations, DyVE registered
    /// (new options, so a registration of their own: one session made from them reads its own statistics),
    /// errors logged but not warnings (every DyVE model would warn that its effort input, an overridable
    /// initializer, is not folded as a constant: true, and the point of it).
    /// </summary>
    public static SessionOptions Create(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options.AppendDyVE();
    }
}
