using System.Runtime.InteropServices;
using System.Text;

namespace OnnxDyVE.Interop;

/// <summary>
/// The one table of ONNX Runtime C API functions OnnxDyVE calls, bound once from OrtApiBase. Handles are
/// opaque native pointers (void*); every function that returns an OrtStatus* goes through <see cref="Check"/>.
/// </summary>
internal sealed unsafe class OrtFunctions
{
    /// <summary>The ONNX Runtime release string, e.g. "1.31.1".</summary>
    public string RuntimeVersion { get; }
    /// <summary>The API version the table was bound with.</summary>
    public uint ApiVersion { get; }
    public void* Api { get; }

    public readonly delegate* unmanaged<int, byte*, void*> CreateStatus;
    public readonly delegate* unmanaged<void*, int> GetErrorCode;
    public readonly delegate* unmanaged<void*, byte*> GetErrorMessage;
    public readonly delegate* unmanaged<void*, void> ReleaseStatus;
    public readonly delegate* unmanaged<byte*, void**, void*> CreateCustomOpDomain;
    public readonly delegate* unmanaged<void*, void*, void*> CustomOpDomain_Add;
    public readonly delegate* unmanaged<void*, void*, void*> AddCustomOpDomain;
    public readonly delegate* unmanaged<void*, void**, void*> GetTensorMutableData;
    public readonly delegate* unmanaged<void**, void*> CreateTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<void*, int, void*> SetTensorElementType;
    public readonly delegate* unmanaged<void*, long*, nuint, void*> SetDimensions;
    public readonly delegate* unmanaged<void*, int*, void*> GetTensorElementType;
    public readonly delegate* unmanaged<void*, nuint*, void*> GetDimensionsCount;
    public readonly delegate* unmanaged<void*, long*, nuint, void*> GetDimensions;
    public readonly delegate* unmanaged<void*, void**, void*> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<void*, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<void*, byte*, float*, void*> KernelInfoGetAttribute_float;
    public readonly delegate* unmanaged<void*, byte*, long*, void*> KernelInfoGetAttribute_int64;
    public readonly delegate* unmanaged<void*, byte*, byte*, nuint*, void*> KernelInfoGetAttribute_string;
    public readonly delegate* unmanaged<void*, byte*, float*, nuint*, void*> KernelInfoGetAttributeArray_float;
    public readonly delegate* unmanaged<void*, byte*, long*, nuint*, void*> KernelInfoGetAttributeArray_int64;
    public readonly delegate* unmanaged<void*, nuint, void**, void*> KernelContext_GetInput;
    public readonly delegate* unmanaged<void*, nuint, long*, nuint, void**, void*> KernelContext_GetOutput;
    public readonly delegate* unmanaged<void*, nuint*, void*> KernelInfo_GetInputCount;
    public readonly delegate* unmanaged<void*, nuint, byte*, nuint*, void*> KernelInfo_GetInputName;
    public readonly delegate* unmanaged<void*, nuint, void**, void*> KernelInfo_GetInputTypeInfo;
    public readonly delegate* unmanaged<void*, void**, void*> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged<void*, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged<void*, byte*, nuint*, void*> KernelInfo_GetNodeName;
    public readonly delegate* unmanaged<void*, nuint, int*, void**, void*> KernelInfoGetConstantInput_tensor;
    public readonly delegate* unmanaged<void*, nuint*, void*> ShapeInferContext_GetInputCount;
    public readonly delegate* unmanaged<void*, nuint, void**, void*> ShapeInferContext_GetInputTypeShape;
    public readonly delegate* unmanaged<void*, byte*, void**, void*> ShapeInferContext_GetAttribute;
    public readonly delegate* unmanaged<void*, nuint, void*, void*> ShapeInferContext_SetOutputTypeShape;
    public readonly delegate* unmanaged<void*, byte**, nuint, void*> SetSymbolicDimensions;
    public readonly delegate* unmanaged<void*, int, void*, nuint, nuint*, void*> ReadOpAttr;
    public readonly delegate* unmanaged<void*, delegate* unmanaged<void*, nuint, void>, nuint, nuint, void*, void*> KernelContext_ParallelFor;
    /// <summary>Null before API 24; then shapes are read through <see cref="GetTensorTypeAndShape"/>.</summary>
    public readonly delegate* unmanaged<void*, int*, long**, nuint*, void*> GetTensorElementTypeAndShapeDataReference;

    private OrtFunctions(void* api, uint apiVersion, string runtimeVersion)
    {
        Api = api;
        ApiVersion = apiVersion;
        RuntimeVersion = runtimeVersion;
        void** slot = (void**)api;
        CreateStatus = (delegate* unmanaged<int, byte*, void*>)slot[OrtApiSlots.CreateStatus];
        GetErrorCode = (delegate* unmanaged<void*, int>)slot[OrtApiSlots.GetErrorCode];
        GetErrorMessage = (delegate* unmanaged<void*, byte*>)slot[OrtApiSlots.GetErrorMessage];
        ReleaseStatus = (delegate* unmanaged<void*, void>)slot[OrtApiSlots.ReleaseStatus];
        CreateCustomOpDomain = (delegate* unmanaged<byte*, void**, void*>)slot[OrtApiSlots.CreateCustomOpDomain];
        CustomOpDomain_Add = (delegate* unmanaged<void*, void*, void*>)slot[OrtApiSlots.CustomOpDomain_Add];
        AddCustomOpDomain = (delegate* unmanaged<void*, void*, void*>)slot[OrtApiSlots.AddCustomOpDomain];
        GetTensorMutableData = (delegate* unmanaged<void*, void**, void*>)slot[OrtApiSlots.GetTensorMutableData];
        CreateTensorTypeAndShapeInfo = (delegate* unmanaged<void**, void*>)slot[OrtApiSlots.CreateTensorTypeAndShapeInfo];
        SetTensorElementType = (delegate* unmanaged<void*, int, void*>)slot[OrtApiSlots.SetTensorElementType];
        SetDimensions = (delegate* unmanaged<void*, long*, nuint, void*>)slot[OrtApiSlots.SetDimensions];
        GetTensorElementType = (delegate* unmanaged<void*, int*, void*>)slot[OrtApiSlots.GetTensorElementType];
        GetDimensionsCount = (delegate* unmanaged<void*, nuint*, void*>)slot[OrtApiSlots.GetDimensionsCount];
        GetDimensions = (delegate* unmanaged<void*, long*, nuint, void*>)slot[OrtApiSlots.GetDimensions];
        GetTensorTypeAndShape = (delegate* unmanaged<void*, void**, void*>)slot[OrtApiSlots.GetTensorTypeAndShape];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<void*, void>)slot[OrtApiSlots.ReleaseTensorTypeAndShapeInfo];
        KernelInfoGetAttribute_float = (delegate* unmanaged<void*, byte*, float*, void*>)slot[OrtApiSlots.KernelInfoGetAttribute_float];
        KernelInfoGetAttribute_int64 = (delegate* unmanaged<void*, byte*, long*, void*>)slot[OrtApiSlots.KernelInfoGetAttribute_int64];
        KernelInfoGetAttribute_string = (delegate* unmanaged<void*, byte*, byte*, nuint*, void*>)slot[OrtApiSlots.KernelInfoGetAttribute_string];
        KernelInfoGetAttributeArray_float = (delegate* unmanaged<void*, byte*, float*, nuint*, void*>)slot[OrtApiSlots.KernelInfoGetAttributeArray_float];
        KernelInfoGetAttributeArray_int64 = (delegate* unmanaged<void*, byte*, long*, nuint*, void*>)slot[OrtApiSlots.KernelInfoGetAttributeArray_int64];
        KernelContext_GetInput = (delegate* unmanaged<void*, nuint, void**, void*>)slot[OrtApiSlots.KernelContext_GetInput];
        KernelContext_GetOutput = (delegate* unmanaged<void*, nuint, long*, nuint, void**, void*>)slot[OrtApiSlots.KernelContext_GetOutput];
        KernelInfo_GetInputCount = (delegate* unmanaged<void*, nuint*, void*>)slot[OrtApiSlots.KernelInfo_GetInputCount];
        KernelInfo_GetInputName = (delegate* unmanaged<void*, nuint, byte*, nuint*, void*>)slot[OrtApiSlots.KernelInfo_GetInputName];
        KernelInfo_GetInputTypeInfo = (delegate* unmanaged<void*, nuint, void**, void*>)slot[OrtApiSlots.KernelInfo_GetInputTypeInfo];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<void*, void**, void*>)slot[OrtApiSlots.CastTypeInfoToTensorInfo];
        ReleaseTypeInfo = (delegate* unmanaged<void*, void>)slot[OrtApiSlots.ReleaseTypeInfo];
        KernelInfo_GetNodeName = (delegate* unmanaged<void*, byte*, nuint*, void*>)slot[OrtApiSlots.KernelInfo_GetNodeName];
        KernelInfoGetConstantInput_tensor = (delegate* unmanaged<void*, nuint, int*, void**, void*>)slot[OrtApiSlots.KernelInfoGetConstantInput_tensor];
        ShapeInferContext_GetInputCount = (delegate* unmanaged<void*, nuint*, void*>)slot[OrtApiSlots.ShapeInferContext_GetInputCount];
        ShapeInferContext_GetInputTypeShape = (delegate* unmanaged<void*, nuint, void**, void*>)slot[OrtApiSlots.ShapeInferContext_GetInputTypeShape];
        ShapeInferContext_GetAttribute = (delegate* unmanaged<void*, byte*, void**, void*>)slot[OrtApiSlots.ShapeInferContext_GetAttribute];
        ShapeInferContext_SetOutputTypeShape = (delegate* unmanaged<void*, nuint, void*, void*>)slot[OrtApiSlots.ShapeInferContext_SetOutputTypeShape];
        SetSymbolicDimensions = (delegate* unmanaged<void*, byte**, nuint, void*>)slot[OrtApiSlots.SetSymbolicDimensions];
        ReadOpAttr = (delegate* unmanaged<void*, int, void*, nuint, nuint*, void*>)slot[OrtApiSlots.ReadOpAttr];
        KernelContext_ParallelFor = (delegate* unmanaged<void*, delegate* unmanaged<void*, nuint, void>, nuint, nuint, void*, void*>)slot[OrtApiSlots.KernelContext_ParallelFor];
        if (apiVersion >= OrtApiVersions.ShapeDataReference)
            GetTensorElementTypeAndShapeDataReference = (delegate* unmanaged<void*, int*, long**, nuint*, void*>)slot[OrtApiSlots.GetTensorElementTypeAndShapeDataReference];
    }

    /// <summary>
    /// Binds the table from an OrtApiBase (struct { GetApi(uint), GetVersionString() }). Asks for the newest
    /// API version OnnxDyVE can use and falls back to the minimum; an older runtime gets a clear exception.
    /// </summary>
    public static OrtFunctions Bind(void* apiBase)
    {
        var getApi = (delegate* unmanaged<uint, void*>)((void**)apiBase)[0];
        var getVersionString = (delegate* unmanaged<byte*>)((void**)apiBase)[1];
        string version = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? "unknown";
        foreach (uint wanted in (ReadOnlySpan<uint>)[OrtApiVersions.ShapeDataReference, OrtApiVersions.Minimum])
        {
            void* api = getApi(wanted);
            if (api != null) return new OrtFunctions(api, wanted, version);
        }
        throw new NotSupportedException(
            $"ONNX Runtime {version} is too old for OnnxDyVE: its custom operators need ONNX Runtime 1.17 or newer (C API version {OrtApiVersions.Minimum}).");
    }

    /// <summary>Throws <see cref="OrtCallException"/> with ORT's message if <paramref name="status"/> is an error, and frees it.</summary>
    public void Check(void* status, string call)
    {
        if (status == null) return;
        string message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? "";
        ReleaseStatus(status);
        throw new OrtCallException($"{call} failed: {message}");
    }

    /// <summary>True if <paramref name="status"/> is success; an error status is freed and reported as false.</summary>
    public bool Succeeded(void* status)
    {
        if (status == null) return true;
        ReleaseStatus(status);
        return false;
    }

    /// <summary>A new error status for ORT to report and free.</summary>
    public void* Fail(OrtErrorCode code, string message)
    {
        int length = Encoding.UTF8.GetMaxByteCount(message.Length) + 1;
        byte[] utf8 = new byte[length];
        int written = Encoding.UTF8.GetBytes(message, utf8);
        utf8[written] = 0;
        fixed (byte* text = utf8) return CreateStatus((int)code, text);
    }
}

/// <summary>An ONNX Runtime C API call returned an error.</summary>
public sealed class OrtCallException(string message) : Exception(message);
