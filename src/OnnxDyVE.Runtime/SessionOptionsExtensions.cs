using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Interop;
using OnnxDyVE.Operators;

namespace OnnxDyVE;

/// <summary>Switches OnnxDyVE on for a .NET app's ONNX Runtime sessions.</summary>
public static class SessionOptionsExtensions
{
    private static readonly ConditionalWeakTable<SessionOptions, RegistrationLease> s_registered = new();
    private static readonly Lock s_lock = new();

    /// <summary>
    /// Registers the DyVE operators (domain <c>ai.onnxdyve</c>: DyveConv, DyveGemm) with these options, so
    /// sessions made from them run models that use them. Safe to call on any number of options, and more
    /// than once on the same options. Each options object gets a registration of its own, whose kernels
    /// <see cref="DyveStatistics.Snapshot(SessionOptions)"/> reads: give a session options of its own to read
    /// that session's statistics alone. A registration's native structs (a few hundred bytes) serve the next
    /// options once these options are collected and the sessions made with them disposed. Throws
    /// <see cref="NotSupportedException"/> on an ONNX Runtime older than 1.17 and <see cref="OrtCallException"/> if
    /// ONNX Runtime refuses the domain.
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
                DyveDomain domain = DyveDomain.Rent(ort);
                try
                {
                    ort.Check(ort.AddCustomOpDomain((void*)options.DangerousGetHandle(), domain.Handle), "AddCustomOpDomain");
                }
                catch
                {
                    domain.Orphan();
                    throw;
                }
                s_registered.Add(options, new RegistrationLease(domain));
            }
            finally
            {
                if (added) options.DangerousRelease();
            }
        }
        return options;
    }

    /// <summary>The number of the registration <see cref="AppendDyVE"/> made for <paramref name="options"/>.</summary>
    internal static long RegistrationOf(SessionOptions options) => DomainOf(options).Registration;

    /// <summary>The domain <see cref="AppendDyVE"/> added to <paramref name="options"/>.</summary>
    internal static DyveDomain DomainOf(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (s_registered.TryGetValue(options, out RegistrationLease? lease)) return lease.Domain;
        throw new ArgumentException("these session options have no DyVE operators: call AppendDyVE on them before creating the session", nameof(options));
    }

    /// <summary>
    /// Holds a registration for as long as its options live: the table drops it with them, and its finalizer hands
    /// the domain back (<see cref="DyveDomain.Orphan"/>), to be reused once the sessions made with the options are gone.
    /// </summary>
    private sealed class RegistrationLease(DyveDomain domain)
    {
        public DyveDomain Domain { get; } = domain;

        ~RegistrationLease()
        {
            try
            {
                Domain.Orphan();
            }
            catch (Exception)
            {
                // A finalizer that throws ends the process; a domain not reused costs a few hundred bytes.
            }
        }
    }
}
