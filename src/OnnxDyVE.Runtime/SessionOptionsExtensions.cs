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
    public static SessionOptions AppendDyVE(this SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_lock)
        {
            if (s_registered.TryGetValue(options, out _)) return options;
            RegisterDomainWithOrt();
            Register(options);
        }
        return options;
    }

    /// <summary>Whether the process-wide registration of the domain (<see cref="RegisterDomainWithOrt"/>) has been made.</summary>
    internal static bool DomainRegisteredWithOrt { get; private set; }

    /// <summary>
    /// ONNX Runtime enters a custom domain in a process-wide table when it creates the first session that carries it,
    /// testing for it and then adding it without a lock: two such sessions created at once on two threads can both find
    /// it missing, and the second add throws ("Trying to add a domain to DomainToVersion map, but the domain is already
    /// exist"; seen in this repository's tests about once in eight runs). So the first AppendDyVE, before it returns any
    /// options with the domain, creates one session with it, of a one-node model, under the lock. Best effort: where that
    /// fails, sessions enter the domain themselves as before.
    /// </summary>
    private static void RegisterDomainWithOrt()
    {
        if (s_domainAttempted) return;
        s_domainAttempted = true;
        try
        {
            using var options = new SessionOptions();
            Register(options);
            using var session = new InferenceSession(IdentityModel, options);
            DomainRegisteredWithOrt = true;
        }
        catch (Exception e) when (e is OnnxRuntimeException or OrtCallException)
        {
            // The options this call registers meet the same refusal, or their sessions enter the domain themselves.
        }
    }

    private static bool s_domainAttempted;

    /// <summary>An ONNX model of one Identity node, y = x, over a float tensor of one element (opset 13), in protobuf.</summary>
    private static ReadOnlySpan<byte> IdentityModelBytes =>
    [
        0x08, 0x08,                                                  // ir_version 8
        0x42, 0x02, 0x10, 0x0D,                                      // opset_import { version 13 }
        0x3A, 0x37,                                                  // graph (55 bytes)
        0x0A, 0x10, 0x0A, 0x01, (byte)'x', 0x12, 0x01, (byte)'y',    //   node { input "x", output "y",
        0x22, 0x08, (byte)'I', (byte)'d', (byte)'e', (byte)'n', (byte)'t', (byte)'i', (byte)'t', (byte)'y', // op_type "Identity" }
        0x12, 0x01, (byte)'g',                                       //   name "g"
        0x5A, 0x0F, 0x0A, 0x01, (byte)'x',                           //   input { name "x",
        0x12, 0x0A, 0x0A, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0A, 0x02, 0x08, 0x01, //   type float [1] }
        0x62, 0x0F, 0x0A, 0x01, (byte)'y',                           //   output { name "y",
        0x12, 0x0A, 0x0A, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0A, 0x02, 0x08, 0x01, //   type float [1] }
    ];

    private static byte[] IdentityModel => IdentityModelBytes.ToArray();

    /// <summary>Adds a registration of the DyVE domain to <paramref name="options"/> (under the lock).</summary>
    private static unsafe void Register(SessionOptions options)
    {
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
