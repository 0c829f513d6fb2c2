using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>
/// The custom op domain <c>ai.onnxdyve</c> (opset 1) holding DyveConv and DyveGemm. Created once per process
/// and never released: ORT does not own a domain added to session options, and every session made with
/// them keeps using it.
/// </summary>
internal static unsafe class DyveDomain
{
    public const string Name = OnnxDyVE.Schema.DyveSchema.Domain;
    private static readonly Lock s_lock = new();
    private static void* s_domain;

    public static void* Get(OrtFunctions ort)
    {
        lock (s_lock)
        {
            if (s_domain != null) return s_domain;
            OrtCustomOpStruct* structs = CustomOpTable.Build(ort);
            void* domain;
            fixed (byte* name = Utf8Name.Of(Name))
                ort.Check(ort.CreateCustomOpDomain(name, &domain), "CreateCustomOpDomain");
            for (int i = 0; i < CustomOpTable.Operators.Count; i++)
                ort.Check(ort.CustomOpDomain_Add(domain, structs + i), "CustomOpDomain_Add");
            s_domain = domain;
            return domain;
        }
    }
}
