namespace OnnxDyVE.Interop;

/// <summary>
/// A node's attributes as ONNX Runtime hands them out, at kernel creation (OrtKernelInfo) or at shape
/// inference (OrtShapeInferContext), so that both read the same attributes with one piece of code.
/// Each getter returns null when the attribute is absent and throws when it has another type.
/// </summary>
internal interface IAttributeSource
{
    long? GetInt(string name);
    long[]? GetInts(string name);
    float? GetFloat(string name);
    string? GetString(string name);
}
