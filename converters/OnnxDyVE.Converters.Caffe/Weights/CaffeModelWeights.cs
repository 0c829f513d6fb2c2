using Google.Protobuf;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// The blobs of a binary caffemodel (a NetParameter, V1 or V2 layers), looked up by layer name. Blobs are
/// only converted to floats when a layer asks for them, after their declared shape, their element count
/// and the shape the layer needs all agree, so a lying size never drives an allocation.
/// </summary>
public sealed class CaffeModelWeights : ILayerWeights
{
    /// <summary>Protobuf's own limit for one message; a caffemodel past it cannot be parsed anyway.</summary>
    public const long MaxFileBytes = int.MaxValue;

    private readonly string _path;
    private readonly Dictionary<string, IReadOnlyList<BlobProto>> _blobsByLayer = new(StringComparer.Ordinal);

    private CaffeModelWeights(string path, NetParameter net)
    {
        _path = path;
        IEnumerable<(string Name, IReadOnlyList<BlobProto> Blobs)> layers = net.Layers.Count > 0
            ? net.Layers.Select(l => (l.Name, (IReadOnlyList<BlobProto>)l.Blobs))
            : net.Layer.Select(l => (l.Name, (IReadOnlyList<BlobProto>)l.Blobs));
        foreach ((string name, IReadOnlyList<BlobProto> blobs) in layers)
        {
            if (blobs.Count > 0) _blobsByLayer.TryAdd(name, blobs);
        }
    }

    public static CaffeModelWeights ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new CaffeFormatException($"{path}: file not found");
        if (info.Length > MaxFileBytes) throw new CaffeFormatException($"{path}: {info.Length} bytes, more than a protobuf message can hold ({MaxFileBytes})");
        return Read(File.ReadAllBytes(path), path);
    }

    public static CaffeModelWeights Read(byte[] bytes, string path)
    {
        try
        {
            return new CaffeModelWeights(path, NetParameter.Parser.ParseFrom(bytes));
        }
        catch (Exception e) when (CaffeModelLocator.IsParseFailure(e))
        {
            throw new CaffeFormatException($"{path}: {CaffeModelLocator.Locate(bytes)}: {e.Message}", e);
        }
    }

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
    {
        if (!_blobsByLayer.TryGetValue(layer.Name, out IReadOnlyList<BlobProto>? blobs))
            throw new CaffeFormatException($"{_path}: no weights for layer '{layer.Name}' ({layer.Type})");
        if (blobs.Count != specs.Count)
            throw new CaffeFormatException($"{_path}: layer '{layer.Name}' ({layer.Type}) has {blobs.Count} blob(s), the prototxt implies {specs.Count}");
        var values = new float[specs.Count][];
        for (int i = 0; i < specs.Count; i++) values[i] = BlobValues.Checked(blobs[i], specs[i], () => $"{_path}: layer '{layer.Name}' {specs[i].Describe(i)}");
        return values;
    }

    public void Complete() { }
}
