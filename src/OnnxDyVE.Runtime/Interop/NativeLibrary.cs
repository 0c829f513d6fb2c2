using System.Runtime.InteropServices;

namespace OnnxDyVE.Interop;

/// <summary>
/// The entry point of the ONNX Runtime library that Microsoft.ML.OnnxRuntime loads: the same library name,
/// so .NET resolves it to the very same native library and the sessions it makes.
/// </summary>
internal static unsafe partial class OnnxRuntimeLibrary
{
    [LibraryImport("onnxruntime")]
    private static partial void* OrtGetApiBase();

    private static readonly Lazy<OrtFunctions> s_functions = new(() => OrtFunctions.Bind(OrtGetApiBase()));

    /// <summary>The function table of the ONNX Runtime this process loaded, bound on first use.</summary>
    public static OrtFunctions Functions => s_functions.Value;
}
