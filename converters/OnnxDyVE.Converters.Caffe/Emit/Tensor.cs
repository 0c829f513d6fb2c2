namespace OnnxDyVE.Converters.Caffe.Emit;

/// <summary>
/// An ONNX value and its shape as the converter tracks it. The first axis is the batch: ONNX leaves it
/// unknown, the converter computes with the prototxt's batch size.
/// </summary>
internal sealed record Tensor(string Name, long[] Shape)
{
    public int Rank => Shape.Length;

    public string Describe() => $"[{string.Join(", ", Shape)}]";
}
