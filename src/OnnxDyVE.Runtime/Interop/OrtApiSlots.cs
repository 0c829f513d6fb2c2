namespace OnnxDyVE.Interop;

/// <summary>
/// Indices into ONNX Runtime's OrtApi function table (pointer slots, in declaration order) of every function
/// OnnxDyVE calls. The table is append-only, so an index holds in every release that has the slot;
/// OrtApiLayoutTests re-derives each one from onnxruntime_c_api.h in the NuGet package.
/// </summary>
internal static class OrtApiSlots
{
    public const int CreateStatus = 0;
    public const int GetErrorCode = 1;
    public const int GetErrorMessage = 2;
    public const int CreateCustomOpDomain = 26;
    public const int CustomOpDomain_Add = 27;
    public const int AddCustomOpDomain = 28;
    public const int GetTensorMutableData = 51;
    public const int CastTypeInfoToTensorInfo = 55;
    public const int CreateTensorTypeAndShapeInfo = 57;
    public const int SetTensorElementType = 58;
    public const int SetDimensions = 59;
    public const int GetTensorElementType = 60;
    public const int GetDimensionsCount = 61;
    public const int GetDimensions = 62;
    public const int GetTensorTypeAndShape = 65;
    public const int KernelInfoGetAttribute_float = 85;
    public const int KernelInfoGetAttribute_int64 = 86;
    public const int KernelInfoGetAttribute_string = 87;
    public const int KernelContext_GetInput = 90;
    public const int KernelContext_GetOutput = 91;
    public const int ReleaseStatus = 93;
    public const int ReleaseTypeInfo = 98;
    public const int ReleaseTensorTypeAndShapeInfo = 99;
    public const int ReleaseCustomOpDomain = 101;
    public const int KernelInfoGetAttributeArray_float = 162;
    public const int KernelInfoGetAttributeArray_int64 = 163;
    public const int KernelInfo_GetInputCount = 230;
    public const int KernelInfo_GetInputName = 232;
    public const int KernelInfo_GetInputTypeInfo = 234;
    public const int KernelInfo_GetNodeName = 244;
    public const int KernelInfoGetConstantInput_tensor = 249;
    public const int ShapeInferContext_GetInputCount = 267;
    public const int ShapeInferContext_GetInputTypeShape = 268;
    public const int ShapeInferContext_GetAttribute = 269;
    public const int ShapeInferContext_SetOutputTypeShape = 270;
    public const int SetSymbolicDimensions = 271;
    public const int ReadOpAttr = 272;
    public const int KernelContext_ParallelFor = 274;
    public const int GetTensorElementTypeAndShapeDataReference = 414;

    /// <summary>Every slot above by its C name, for the layout test.</summary>
    public static IReadOnlyDictionary<string, int> All { get; } = typeof(OrtApiSlots)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
}

/// <summary>ONNX Runtime API versions (ORT_API_VERSION) that OnnxDyVE relies on.</summary>
internal static class OrtApiVersions
{
    /// <summary>Shape inference for custom ops, ReadOpAttr and KernelContext_ParallelFor: ORT 1.17.</summary>
    public const uint Minimum = 17;

    /// <summary>GetTensorElementTypeAndShapeDataReference (reads a shape without allocating): ORT 1.24.</summary>
    public const uint ShapeDataReference = 24;
}
