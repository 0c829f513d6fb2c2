using System.Runtime.InteropServices;
using System.Text;

namespace OnnxDyVE.Interop;

/// <summary>An OrtKernelInfo: what a node tells its kernel at creation (name, attributes, constant inputs).</summary>
internal readonly unsafe struct KernelInfo(OrtFunctions ort, void* info) : IAttributeSource
{
    public string NodeName()
    {
        nuint size = 0;
        ort.Check(ort.KernelInfo_GetNodeName(info, null, &size), "KernelInfo_GetNodeName");
        if (size <= 1) return "";
        byte[] name = new byte[(int)size];
        fixed (byte* text = name) ort.Check(ort.KernelInfo_GetNodeName(info, text, &size), "KernelInfo_GetNodeName");
        return Encoding.UTF8.GetString(name, 0, (int)size - 1);
    }

    public int InputCount()
    {
        nuint count;
        ort.Check(ort.KernelInfo_GetInputCount(info, &count), "KernelInfo_GetInputCount");
        return (int)count;
    }

    /// <summary>
    /// True if the node gives input <paramref name="index"/>: false past its last input and for an optional input
    /// left out in the middle, which ONNX writes as an empty name (B in <c>[X, W, "", effort]</c>).
    /// </summary>
    public bool HasInput(int index)
    {
        if (index >= InputCount()) return false;
        nuint size = 0;
        ort.Check(ort.KernelInfo_GetInputName(info, (nuint)index, null, &size), "KernelInfo_GetInputName");
        // The size counts the terminating zero: 1 is the empty name.
        return size > 1;
    }

    /// <summary>
    /// The shape ONNX Runtime knows for input <paramref name="index"/> at kernel creation (-1 for a dimension it does not
    /// know), or null where it knows none (not a tensor).
    /// </summary>
    public long[]? InputShape(int index)
    {
        void* typeInfo;
        ort.Check(ort.KernelInfo_GetInputTypeInfo(info, (nuint)index, &typeInfo), "KernelInfo_GetInputTypeInfo");
        try
        {
            void* tensorInfo;
            ort.Check(ort.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
            // The tensor information belongs to the type information, released below.
            if (tensorInfo == null) return null;
            nuint rank;
            ort.Check(ort.GetDimensionsCount(tensorInfo, &rank), "GetDimensionsCount");
            long[] shape = new long[(int)rank];
            fixed (long* dims = shape) ort.Check(ort.GetDimensions(tensorInfo, dims, rank), "GetDimensions");
            return shape;
        }
        finally
        {
            ort.ReleaseTypeInfo(typeInfo);
        }
    }

    /// <summary>
    /// The value of input <paramref name="index"/> if it is a constant initializer, else null. The tensor
    /// belongs to the session; the kernel copies (packs) what it keeps.
    /// </summary>
    public ConstantTensor? ConstantInput(int index)
    {
        int isConstant;
        void* value;
        ort.Check(ort.KernelInfoGetConstantInput_tensor(info, (nuint)index, &isConstant, &value), "KernelInfoGetConstantInput_tensor");
        if (isConstant == 0 || value == null) return null;
        void* typeAndShape;
        ort.Check(ort.GetTensorTypeAndShape(value, &typeAndShape), "GetTensorTypeAndShape");
        try
        {
            int elementType;
            nuint rank;
            ort.Check(ort.GetTensorElementType(typeAndShape, &elementType), "GetTensorElementType");
            ort.Check(ort.GetDimensionsCount(typeAndShape, &rank), "GetDimensionsCount");
            long[] shape = new long[(int)rank];
            fixed (long* dims = shape) ort.Check(ort.GetDimensions(typeAndShape, dims, rank), "GetDimensions");
            void* data;
            ort.Check(ort.GetTensorMutableData(value, &data), "GetTensorMutableData");
            return new ConstantTensor((OrtElementType)elementType, shape, data);
        }
        finally
        {
            ort.ReleaseTensorTypeAndShapeInfo(typeAndShape);
        }
    }

    public long? GetInt(string name)
    {
        long value;
        fixed (byte* key = Utf8Name.Of(name))
            return Present(ort.KernelInfoGetAttribute_int64(info, key, &value), name) ? value : null;
    }

    public float? GetFloat(string name)
    {
        float value;
        fixed (byte* key = Utf8Name.Of(name))
            return Present(ort.KernelInfoGetAttribute_float(info, key, &value), name) ? value : null;
    }

    public long[]? GetInts(string name)
    {
        fixed (byte* key = Utf8Name.Of(name))
        {
            nuint size = 0;
            if (!Present(ort.KernelInfoGetAttributeArray_int64(info, key, null, &size), name)) return null;
            long[] values = new long[(int)size];
            fixed (long* data = values) ort.Check(ort.KernelInfoGetAttributeArray_int64(info, key, data, &size), $"reading attribute '{name}'");
            return values;
        }
    }

    public string? GetString(string name)
    {
        fixed (byte* key = Utf8Name.Of(name))
        {
            nuint size = 0;
            if (!Present(ort.KernelInfoGetAttribute_string(info, key, null, &size), name)) return null;
            byte[] text = new byte[(int)size];
            fixed (byte* data = text) ort.Check(ort.KernelInfoGetAttribute_string(info, key, data, &size), $"reading attribute '{name}'");
            return Encoding.UTF8.GetString(text, 0, Math.Max(0, (int)size - 1));
        }
    }

    /// <summary>
    /// Success: present. ORT reports an absent attribute as an error whose message starts "No attribute";
    /// any other error (such as a type mismatch) is the node's fault and is thrown.
    /// </summary>
    private bool Present(void* status, string name)
    {
        if (status == null) return true;
        string message = Marshal.PtrToStringUTF8((nint)ort.GetErrorMessage(status)) ?? "";
        ort.ReleaseStatus(status);
        if (message.Contains("No attribute", StringComparison.OrdinalIgnoreCase)) return false;
        throw new ArgumentException($"attribute '{name}': {message}");
    }
}

/// <summary>A constant input tensor owned by the session.</summary>
internal sealed unsafe class ConstantTensor(OrtElementType elementType, long[] shape, void* data)
{
    public OrtElementType ElementType { get; } = elementType;
    public long[] Shape { get; } = shape;
    public void* Data { get; } = data;

    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long d in Shape) count = checked(count * d);
            return count;
        }
    }

    public ReadOnlySpan<float> AsFloats() => new(Data, checked((int)ElementCount));
}
