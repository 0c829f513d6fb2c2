namespace OnnxDyVE.Operators;

/// <summary>
/// The DyVE kernels ONNX Runtime holds in this process (created and not yet destroyed), so their counters can be
/// read from C#: ORT gives a custom kernel no way back to the session that owns it.
/// </summary>
internal static class LiveKernels
{
    private static readonly Lock s_lock = new();
    private static readonly List<IDyveKernel> s_kernels = [];

    public static void Add(IDyveKernel kernel)
    {
        lock (s_lock) s_kernels.Add(kernel);
    }

    public static void Remove(IDyveKernel kernel)
    {
        lock (s_lock) s_kernels.Remove(kernel);
    }

    public static IDyveKernel[] All()
    {
        lock (s_lock) return [.. s_kernels];
    }
}
