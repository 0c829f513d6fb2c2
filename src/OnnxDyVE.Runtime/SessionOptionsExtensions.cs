using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Interop;
using OnnxDyVE.Operators;

namespace OnnxDyVE;

/// <summary>Switches OnnxDyVE on for a .NET app's ONNX Runtime sessions.</summary>
public static class SessionOptionsExtensions
{
    private static readonly ConditionalWeakTable<SessionOptions, DyveDomain> s_registered = new();
    private static readonly Lock s_lock = new();

    /// <summary>
    /// Registers the DyVE operators (domain <c>ai.onnxdyve</c>: DyveConv, DyveGemm) with these options, so
    /// sessions made from them run models that use them. Safe to call on any number of options, and more
    /// than once on the same options. Each options object gets a registration of its own, whose kernels
    /// <see cref="DyveStatistics.Snapshot(SessionOptions)"/> reads: give a session options of its own to read
    /// that session's statistics alone. Throws <see cref="NotSupportedException"/> on an ONNX Runtime older
    /// than 1.17 and <see cref="OrtCallException"/> if ONNX Runtime refuses the domain.
    /// </summary>
    public static unsafe SessionOptions AppendDyVE(this SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_lock)
        {
            if (s_registered.TryGetValue(options, out _)) return options;
            OrtFunctions ort = OnnxRuntimeLibrary.Functions;
            bool added = false;
            try
            {
                options.DangerousAddRef(ref added);
                DyveDomain domain = DyveDomain.Create(ort);
                ort.Check(ort.AddCustomOpDomain((void*)options.DangerousGetHandle(), domain.Handle), "AddCustomOpDomain");
                s_registered.Add(options, domain);
            }
            finally
            {
                if (added) options.DangerousRelease();
            }
        }
        return options;
    }

    /// <summary>The number of the registration <see cref="AppendDyVE"/> made for <paramref name="options"/>.</summary>
    internal static long RegistrationOf(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (s_registered.TryGetValue(options, out DyveDomain? domain)) return domain.Registration;
        throw new ArgumentException("these session options have no DyVE operators: call AppendDyVE on them before creating the session", nameof(options));
    }
}
