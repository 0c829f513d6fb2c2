namespace OnnxDyVE.Operators;

/// <summary>
/// The DyVE kernels ONNX Runtime holds in this process (created and not yet destroyed), so their counters can be
/// read from C#: ORT gives a custom kernel no way back to the session that owns it.
/// </summary>
internal static class LiveKernels
{
    private static readonly Lock s_lock = new();
    private static readonly List<(long Id, IDyveKernel Kernel)> s_kernels = [];
    private static long s_next;

    public static void Add(IDyveKernel kernel)
    {
        lock (s_lock) s_kernels.Add((++s_next, kernel));
    }

    public static void Remove(IDyveKernel kernel)
    {
        lock (s_lock) s_kernels.RemoveAll(entry => ReferenceEquals(entry.Kernel, kernel));
    }

    /// <summary>The number the last kernel created was given (0 before any).</summary>
    public static long LastId
    {
        get
        {
            lock (s_lock) return s_next;
        }
    }

    /// <summary>Every live kernel with its number: kernels are numbered in creation order, from 1, never reused.</summary>
    public static (long Id, IDyveKernel Kernel)[] All()
    {
        lock (s_lock) return [.. s_kernels];
    }
}
