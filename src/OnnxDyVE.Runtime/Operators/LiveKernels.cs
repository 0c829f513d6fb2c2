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

    /// <summary>Forgets <paramref name="kernel"/>; returns its registration, or null if it was not live.</summary>
    public static long? Remove(IDyveKernel kernel)
    {
        lock (s_lock)
        {
            int index = s_kernels.FindIndex(entry => ReferenceEquals(entry.Kernel, kernel));
            if (index < 0) return null;
            long registration = s_kernels[index].Registration;
            s_kernels.RemoveAt(index);
            return registration;
        }
    }

    /// <summary>How many live kernels were created through <paramref name="registration"/>.</summary>
    public static int CountOf(long registration)
    {
        lock (s_lock)
        {
            int count = 0;
            foreach (LiveKernel entry in s_kernels)
                if (entry.Registration == registration) count++;
            return count;
        }
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
