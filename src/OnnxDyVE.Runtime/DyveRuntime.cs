using OnnxDyVE.Interop;

namespace OnnxDyVE;

/// <summary>Facts about the ONNX Runtime that OnnxDyVE binds to in this process.</summary>
public static class DyveRuntime
{
    /// <summary>The release string of the loaded ONNX Runtime, e.g. "1.31.1".</summary>
    public static string OnnxRuntimeVersion => OnnxRuntimeLibrary.Functions.RuntimeVersion;

    /// <summary>The C API version the operators are bound with.</summary>
    public static uint ApiVersion => OnnxRuntimeLibrary.Functions.ApiVersion;
}
