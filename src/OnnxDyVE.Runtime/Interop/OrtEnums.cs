namespace OnnxDyVE.Interop;

/// <summary>ONNXTensorElementDataType, the values OnnxDyVE meets.</summary>
internal enum OrtElementType
{
    Undefined = 0,
    Float = 1,
    Int64 = 7,
    Double = 11,
}

/// <summary>OrtErrorCode.</summary>
internal enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
}

/// <summary>OrtCustomOpInputOutputCharacteristic.</summary>
internal enum OrtInputCharacteristic
{
    Required = 0,
    Optional = 1,
    Variadic = 2,
}

/// <summary>OrtOpAttrType.</summary>
internal enum OrtOpAttrType
{
    Undefined = 0,
    Int = 1,
    Ints = 2,
    Float = 3,
    Floats = 4,
    String = 5,
    Strings = 6,
}
