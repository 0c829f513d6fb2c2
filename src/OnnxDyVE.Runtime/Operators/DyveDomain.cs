using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>
/// One registration of the DyVE operators: a custom op domain <c>ai.onnxdyve</c> (opset 1) holding DyveConv and
/// DyveGemm through OrtCustomOp structs of its own, numbered, so that every kernel ORT creates through it is known
/// to come from this registration. ORT tells a kernel nothing of its session; the struct it creates the kernel
/// through is the one link back to the session options it was added to.
/// <para>
/// Never released: ORT does not own a domain added to session options, and every session made with them calls
/// its structs until its kernels are destroyed. Reused instead: once the options a domain was added to are gone
/// (<see cref="Orphan"/>) and so are the kernels of every session made with them, no session can call it again,
/// and the next options to register get it under a new number. Native memory is then bounded by the most
/// registrations alive at once, not by how many options a process ever made.
/// </para>
/// </summary>
internal sealed unsafe class DyveDomain
{
    public const string Name = OnnxDyVE.Schema.DyveSchema.Domain;
    private static readonly Lock s_lock = new();
    private static readonly Stack<DyveDomain> s_free = new();
    private static readonly Dictionary<long, DyveDomain> s_orphaned = [];
    private static long s_lastRegistration;
    private static int s_created;

    private readonly DyveCustomOp* _structs;

    private DyveDomain(DyveCustomOp* structs, void* handle)
    {
        _structs = structs;
        Handle = handle;
    }

    /// <summary>This registration's number in the process: from 1, never reused (a reused domain gets a new one).</summary>
    public long Registration { get; private set; }

    /// <summary>The native OrtCustomOpDomain, to add to session options.</summary>
    public void* Handle { get; }

    /// <summary>Domains made in this process so far: what registrations cost in native memory.</summary>
    public static int Created => Volatile.Read(ref s_created);

    /// <summary>A domain under a new registration number: a free one if there is one, else a new one.</summary>
    public static DyveDomain Rent(OrtFunctions ort)
    {
        lock (s_lock)
        {
            DyveDomain domain = s_free.Count > 0 ? s_free.Pop() : Create(ort);
            domain.Registration = ++s_lastRegistration;
            for (int i = 0; i < CustomOpTable.Operators.Count; i++)
                domain._structs[i].Registration = domain.Registration;
            return domain;
        }
    }

    /// <summary>
    /// The session options this domain was added to are gone, so no session can be made with it any more: it is
    /// free once no kernel created through it is alive (at once, or when the last one is destroyed).
    /// </summary>
    public void Orphan()
    {
        lock (s_lock)
        {
            if (LiveKernels.CountOf(Registration) == 0) s_free.Push(this);
            else s_orphaned.Add(Registration, this);
        }
    }

    /// <summary>A kernel created through <paramref name="registration"/> was destroyed: frees its domain if that was the last of an orphan's.</summary>
    public static void KernelDestroyed(long registration)
    {
        lock (s_lock)
        {
            if (s_orphaned.TryGetValue(registration, out DyveDomain? domain) && LiveKernels.CountOf(registration) == 0)
            {
                s_orphaned.Remove(registration);
                s_free.Push(domain);
            }
        }
    }

    private static DyveDomain Create(OrtFunctions ort)
    {
        DyveCustomOp* structs = CustomOpTable.Build(ort);
        void* domain;
        fixed (byte* name = Utf8Name.Of(Name))
            ort.Check(ort.CreateCustomOpDomain(name, &domain), "CreateCustomOpDomain");
        for (int i = 0; i < CustomOpTable.Operators.Count; i++)
            ort.Check(ort.CustomOpDomain_Add(domain, &structs[i].Op), "CustomOpDomain_Add");
        s_created++;
        return new DyveDomain(structs, domain);
    }
}
