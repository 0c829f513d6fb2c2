namespace OnnxDyVE.Interop;

/// <summary>An OrtShapeInferContext: input types and shapes and the node's attributes, while ORT resolves the graph.</summary>
internal readonly unsafe struct ShapeInference(OrtFunctions ort, void* context) : IAttributeSource
{
    public int InputCount()
    {
        nuint count;
        ort.Check(ort.ShapeInferContext_GetInputCount(context, &count), "ShapeInferContext_GetInputCount");
        return (int)count;
    }

    /// <summary>Element type and dimensions (-1 where unknown or symbolic) of input <paramref name="index"/>; null if absent.</summary>
    public (OrtElementType Type, long[] Shape)? Input(int index)
    {
        void* info;
        if (!ort.Succeeded(ort.ShapeInferContext_GetInputTypeShape(context, (nuint)index, &info)) || info == null) return null;
        // The info belongs to the context: read it, never release it.
        int elementType;
        nuint rank;
        ort.Check(ort.GetTensorElementType(info, &elementType), "GetTensorElementType");
        ort.Check(ort.GetDimensionsCount(info, &rank), "GetDimensionsCount");
        long[] shape = new long[(int)rank];
        fixed (long* dims = shape) ort.Check(ort.GetDimensions(info, dims, rank), "GetDimensions");
        return ((OrtElementType)elementType, shape);
    }

    /// <summary>Sets output <paramref name="index"/>'s type and shape; a dimension of -1 is unknown.</summary>
    public void SetOutput(int index, OrtElementType type, ReadOnlySpan<long> shape)
    {
        void* info;
        ort.Check(ort.CreateTensorTypeAndShapeInfo(&info), "CreateTensorTypeAndShapeInfo");
        try
        {
            ort.Check(ort.SetTensorElementType(info, (int)type), "SetTensorElementType");
            fixed (long* dims = shape) ort.Check(ort.SetDimensions(info, dims, (nuint)shape.Length), "SetDimensions");
            NameUnknownDimensions(info, shape);
            ort.Check(ort.ShapeInferContext_SetOutputTypeShape(context, (nuint)index, info), "ShapeInferContext_SetOutputTypeShape");
        }
        finally
        {
            ort.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    /// <summary>
    /// Gives each unknown dimension a name of its own. Without one, ORT records the -1 as a fixed dimension value
    /// and then warns on every run that the actual size differs from it.
    /// </summary>
    private void NameUnknownDimensions(void* info, ReadOnlySpan<long> shape)
    {
        bool anyUnknown = false;
        foreach (long dim in shape) anyUnknown |= dim < 0;
        if (!anyUnknown) return;
        byte[][] names = new byte[shape.Length][];
        for (int i = 0; i < shape.Length; i++)
            names[i] = shape[i] < 0 ? Utf8Name.Of($"dyve_unk_{Interlocked.Increment(ref s_unknownDimensions)}") : [0];
        var pinned = new System.Runtime.InteropServices.GCHandle[names.Length];
        byte** pointers = stackalloc byte*[names.Length];
        try
        {
            for (int i = 0; i < names.Length; i++)
            {
                pinned[i] = System.Runtime.InteropServices.GCHandle.Alloc(names[i], System.Runtime.InteropServices.GCHandleType.Pinned);
                pointers[i] = (byte*)pinned[i].AddrOfPinnedObject();
            }
            ort.Check(ort.SetSymbolicDimensions(info, pointers, (nuint)names.Length), "SetSymbolicDimensions");
        }
        finally
        {
            foreach (var handle in pinned)
                if (handle.IsAllocated) handle.Free();
        }
    }

    private static long s_unknownDimensions;

    public long? GetInt(string name)
    {
        void* attr = Attribute(name);
        if (attr == null) return null;
        long value = 0;
        nuint written;
        return ReadScalar(ort.ReadOpAttr(attr, (int)OrtOpAttrType.Int, &value, sizeof(long), &written), name, "an int") ? value : 0;
    }

    public float? GetFloat(string name)
    {
        void* attr = Attribute(name);
        if (attr == null) return null;
        float value = 0;
        nuint written;
        return ReadScalar(ort.ReadOpAttr(attr, (int)OrtOpAttrType.Float, &value, sizeof(float), &written), name, "a float") ? value : 0f;
    }

    public long[]? GetInts(string name)
    {
        void* attr = Attribute(name);
        if (attr == null) return null;
        nuint bytes = 0;
        // The first call, with no room, reports the size; an empty list reads as success with nothing to copy.
        if (ort.Succeeded(ort.ReadOpAttr(attr, (int)OrtOpAttrType.Ints, null, 0, &bytes)) && bytes == 0) return [];
        long[] values = new long[(int)bytes / sizeof(long)];
        fixed (long* data = values)
            ort.Check(ort.ReadOpAttr(attr, (int)OrtOpAttrType.Ints, data, bytes, &bytes), $"reading attribute '{name}' as ints");
        return values;
    }

    public string? GetString(string name)
    {
        void* attr = Attribute(name);
        if (attr == null) return null;
        nuint bytes = 0;
        if (ort.Succeeded(ort.ReadOpAttr(attr, (int)OrtOpAttrType.String, null, 0, &bytes)) && bytes == 0) return "";
        byte[] text = new byte[(int)bytes];
        fixed (byte* data = text)
            ort.Check(ort.ReadOpAttr(attr, (int)OrtOpAttrType.String, data, bytes, &bytes), $"reading attribute '{name}' as a string");
        return System.Text.Encoding.UTF8.GetString(text, 0, (int)bytes).TrimEnd('\0');
    }

    /// <summary>
    /// True if ReadOpAttr read a value. Serializers built on proto3 (OnnxSharp among them) leave a zero scalar
    /// off the wire, and ReadOpAttr then reports "Attribute has no ... value": in ONNX that attribute is 0,
    /// which is what ORT's own kernels read, so it is 0 here too (false). Any other error is thrown.
    /// </summary>
    private bool ReadScalar(void* status, string name, string kind)
    {
        if (status == null) return true;
        string message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)ort.GetErrorMessage(status)) ?? "";
        ort.ReleaseStatus(status);
        if (message.Contains("has no", StringComparison.OrdinalIgnoreCase)) return false;
        throw new OrtCallException($"reading attribute '{name}' as {kind} failed: {message}");
    }

    private void* Attribute(string name)
    {
        void* attr;
        fixed (byte* key = Utf8Name.Of(name))
            return ort.Succeeded(ort.ShapeInferContext_GetAttribute(context, key, &attr)) ? attr : null;
    }
}
