using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Emit;

/// <summary>
/// Caffe's blobs as the net is converted: each name's current ONNX value (an in-place layer gives its blob a
/// new one), the layer that wrote it and the last layer that read it. The net's outputs are, as in Caffe,
/// the values no later layer reads.
/// </summary>
internal sealed class BlobTable(string source)
{
    /// <summary>The "layer index" of the net's inputs, which are never outputs.</summary>
    public const int NetInput = -1;

    private readonly Dictionary<string, (Tensor Tensor, int WrittenAt)> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastRead = new(StringComparer.Ordinal);

    public void Write(string blob, Tensor tensor, int layerIndex) => _blobs[blob] = (tensor, layerIndex);

    public Tensor Read(string blob, LayerParameter reader, int layerIndex)
    {
        if (!_blobs.TryGetValue(blob, out var entry))
            throw new CaffeFormatException($"{source}: layer '{reader.Name}' ({reader.Type}) reads blob '{blob}', which no input or earlier layer produces");
        _lastRead[entry.Tensor.Name] = layerIndex;
        return entry.Tensor;
    }

    /// <summary>The values written by a layer and not read after it, in the order of their blobs' first appearance.</summary>
    public string[] Outputs()
    {
        string[] outputs = [.. _blobs.Values
            .Where(b => b.WrittenAt != NetInput && (!_lastRead.TryGetValue(b.Tensor.Name, out int read) || read <= b.WrittenAt))
            .Select(b => b.Tensor.Name).Distinct()];
        if (outputs.Length == 0) throw new CaffeFormatException($"{source}: the net has no output (every blob is read by a later layer, or there are no layers)");
        return outputs;
    }
}
