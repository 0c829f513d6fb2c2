namespace OnnxDyVE.Operators;

/// <summary>
/// The DyVE kernels ONNX Runtime holds in this process (created and not yet destroyed), each with the
/// registration it was created through, so their counters can be read from C#, all or one registration's.
/// </summary>
internal static class LiveKernels
{
    private static readonly Lock s_lock = new();
    private static readonly List<LiveKernel> s_kernels = [];
    private static long s_last;

    public static void Add(IDyveKernel kernel, long registration)
    {
        lock (s_lock) s_kernels.Add(new LiveKernel(++s_last, registration, kernel));
    }

    public static void Remove(IDyveKernel kernel)
    {
        lock (s_lock) s_kernels.RemoveAll(entry => ReferenceEquals(entry.Kernel, kernel));
    }

    /// <summary>Every live kernel, in creation order.</summary>
    public static LiveKernel[] All()
    {
        lock (s_lock) return [.. s_kernels];
    }

    /// <summary>The live kernels created through <paramref name="registration"/>, in creation order.</summary>
    public static LiveKernel[] Of(long registration)
    {
        lock (s_lock) return [.. s_kernels.Where(entry => entry.Registration == registration)];
    }
}

/// <summary>A live kernel, numbered in creation order from 1 (never reused), with its registration's number.</summary>
internal readonly record struct LiveKernel(long Id, long Registration, IDyveKernel Kernel);
