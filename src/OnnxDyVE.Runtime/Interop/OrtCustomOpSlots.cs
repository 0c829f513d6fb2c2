using System.Runtime.InteropServices;

namespace OnnxDyVE.Interop;

/// <summary>
/// The native OrtCustomOp struct: a uint32 version, then 25 function pointers. OnnxDyVE declares version 17,
/// so ORT 1.17 and newer read the V2 callbacks (which return a status), shape inference and the opset range,
/// and nothing past <see cref="GetEndVersion"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct OrtCustomOpStruct
{
    public uint Version;
    public void* CreateKernel;
    public void* GetName;
    public void* GetExecutionProviderType;
    public void* GetInputType;
    public void* GetInputTypeCount;
    public void* GetOutputType;
    public void* GetOutputTypeCount;
    public void* KernelCompute;
    public void* KernelDestroy;
    public void* GetInputCharacteristic;
    public void* GetOutputCharacteristic;
    public void* GetInputMemoryType;
    public void* GetVariadicInputMinArity;
    public void* GetVariadicInputHomogeneity;
    public void* GetVariadicOutputMinArity;
    public void* GetVariadicOutputHomogeneity;
    public void* CreateKernelV2;
    public void* KernelComputeV2;
    public void* InferOutputShapeFn;
    public void* GetStartVersion;
    public void* GetEndVersion;
    public void* GetMayInplace;
    public void* ReleaseMayInplace;
    public void* GetAliasMap;
    public void* ReleaseAliasMap;
}

internal static class OrtCustomOpSlots
{
    /// <summary>The version OnnxDyVE's custom ops declare.</summary>
    public const uint Version = OrtApiVersions.Minimum;

    /// <summary>The function-pointer fields in struct order, for the layout test.</summary>
    public static string[] Names { get; } = typeof(OrtCustomOpStruct)
        .GetFields()
        .Where(f => f.FieldType == typeof(void*))
        .Select(f => f.Name)
        .ToArray();
}
