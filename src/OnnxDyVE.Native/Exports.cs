using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Operators;

namespace OnnxDyVE.Native;

/// <summary>
/// The C entry points of libonnxdyve.so (declared in native/include/onnxdyve.h). ONNX Runtime calls
/// <see cref="RegisterCustomOps"/> with the host's own API base, so the operators bind to whichever ONNX
/// Runtime loaded them, never to a copy of their own.
/// </summary>
public static unsafe class Exports
{
    private static readonly Lock s_lock = new();
    private static OrtFunctions? s_ort;
    private static DyveDomain? s_domain;
    private static readonly byte* s_simdPath = Utf8Constant(SimdPaths.Best.ToString());

    /// <summary>
    /// <c>OrtStatus* RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api)</c>: adds the domain
    /// ai.onnxdyve (DyveConv, DyveGemm) to <paramref name="options"/>. Returns null on success, else an error
    /// status made by the host's ORT (the host frees it).
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "RegisterCustomOps")]
    public static void* RegisterCustomOps(void* options, void* apiBase)
    {
        if (apiBase == null) return null;  // nothing to report with: ORT never does this
        OrtFunctions? ort = null;
        try
        {
            ort = Bind(apiBase);
            if (options == null) return ort.Fail(OrtErrorCode.InvalidArgument, "OnnxDyVE: RegisterCustomOps got no session options");
            ort.Check(ort.AddCustomOpDomain(options, Domain(ort).Handle), "AddCustomOpDomain");
            return null;
        }
        catch (Exception ex)
        {
            string message = $"OnnxDyVE: {ex.Message}";
            return ort is not null ? ort.Fail(OrtErrorCode.Fail, message) : FailWithApi1(apiBase, message);
        }
    }

    /// <summary>
    /// <c>const char* OnnxDyVE_SimdPath(void)</c>: the vector width the kernels run with in this process
    /// ("Vector512", "Vector256", "Vector128" or "Scalar"), so a host or a test can tell which path it got.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "OnnxDyVE_SimdPath")]
    public static byte* SimdPathName() => s_simdPath;

    /// <summary>
    /// One table per process: the first host ORT to register binds the operators (their structs hold its
    /// callbacks for good); later calls reuse it.
    /// </summary>
    private static OrtFunctions Bind(void* apiBase)
    {
        lock (s_lock) return s_ort ??= OrtFunctions.Bind(apiBase);
    }

    /// <summary>
    /// One registration for every options the host registers with: a C host has no way to read statistics, so
    /// its kernels need not be told apart, and a host that makes many options allocates nothing per call.
    /// </summary>
    private static DyveDomain Domain(OrtFunctions ort)
    {
        lock (s_lock) return s_domain ??= DyveDomain.Rent(ort);
    }

    /// <summary>
    /// An error status from an ORT too old for <see cref="OrtFunctions.Bind"/>: every release serves API
    /// version 1, whose CreateStatus is slot 0.
    /// </summary>
    private static void* FailWithApi1(void* apiBase, string message)
    {
        try
        {
            var getApi = (delegate* unmanaged<uint, void*>)((void**)apiBase)[0];
            void** api = (void**)getApi(1);
            if (api == null) return null;
            var createStatus = (delegate* unmanaged<int, byte*, void*>)api[OrtApiSlots.CreateStatus];
            byte* text = Utf8Constant(message);
            void* status = createStatus((int)OrtErrorCode.Fail, text);
            NativeMemory.Free(text);  // CreateStatus copies the message
            return status;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static byte* Utf8Constant(string text)
    {
        byte[] utf8 = Utf8Name.Of(text);
        byte* copy = (byte*)NativeMemory.Alloc((nuint)utf8.Length);
        utf8.CopyTo(new Span<byte>(copy, utf8.Length));
        return copy;
    }
}
