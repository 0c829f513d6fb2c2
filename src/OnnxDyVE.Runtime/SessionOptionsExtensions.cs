using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Interop;
using OnnxDyVE.Operators;

namespace OnnxDyVE;

/// <summary>Switches OnnxDyVE on for a .NET app's ONNX Runtime sessions.</summary>
public static class SessionOptionsExtensions
{
    private static readonly ConditionalWeakTable<SessionOptions, object> s_registered = new();
    private static readonly Lock s_lock = new();

    /// <summary>
    /// Registers the DyVE operators (domain <c>ai.onnxdyve</c>: DyveConv, DyveGemm) with these options, so
    /// sessions made from them run models that use them. Safe to call on any number of options, and more
    /// than once on the same options. Throws <see cref="NotSupportedException"/> on an ONNX Runtime older
    /// than 1.17 and <see cref="OrtCallException"/> if ONNX Runtime refuses the domain.
    /// </summary>
    public static unsafe SessionOptions AppendDyVE(this SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_lock)
        {
            if (s_registered.TryGetValue(options, out _)) return options;
            OrtFunctions ort = OnnxRuntimeLibrary.Functions;
            void* domain = DyveDomain.Get(ort);
            bool added = false;
            try
            {
                options.DangerousAddRef(ref added);
                ort.Check(ort.AddCustomOpDomain((void*)options.DangerousGetHandle(), domain), "AddCustomOpDomain");
            }
            finally
            {
                if (added) options.DangerousRelease();
            }
            s_registered.Add(options, ort);
        }
        return options;
    }
}
