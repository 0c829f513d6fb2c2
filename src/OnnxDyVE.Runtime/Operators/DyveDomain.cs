using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>
/// One registration of the DyVE operators: a custom op domain <c>ai.onnxdyve</c> (opset 1) holding DyveConv and
/// DyveGemm through OrtCustomOp structs of its own, numbered, so that every kernel ORT creates through it is known
/// to come from this registration. ORT tells a kernel nothing of its session; the struct it creates the kernel
/// through is the one link back to the session options it was added to. Never released: ORT does not own a
/// domain added to session options, and every session made with them keeps using its structs (a few hundred
/// bytes per registration).
/// </summary>
internal sealed unsafe class DyveDomain
{
    public const string Name = OnnxDyVE.Schema.DyveSchema.Domain;
    private static long s_lastRegistration;

    private DyveDomain(long registration, void* handle)
    {
        Registration = registration;
        Handle = handle;
    }

    /// <summary>This registration's number in the process: from 1, never reused.</summary>
    public long Registration { get; }

    /// <summary>The native OrtCustomOpDomain, to add to session options.</summary>
    public void* Handle { get; }

    public static DyveDomain Create(OrtFunctions ort)
    {
        long registration = Interlocked.Increment(ref s_lastRegistration);
        DyveCustomOp* structs = CustomOpTable.Build(ort, registration);
        void* domain;
        fixed (byte* name = Utf8Name.Of(Name))
            ort.Check(ort.CreateCustomOpDomain(name, &domain), "CreateCustomOpDomain");
        for (int i = 0; i < CustomOpTable.Operators.Count; i++)
            ort.Check(ort.CustomOpDomain_Add(domain, &structs[i].Op), "CustomOpDomain_Add");
        return new DyveDomain(registration, domain);
    }
}
