using System.Buffers.Binary;
using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// Weights in Deep Compression's <c>.net</c> format (Han et al., as decode.py in SqueezeNet-Deep-Compression
/// reads it): the non-zero count of every Convolution layer, then per layer a 256-entry codebook, the bias,
/// one 8-bit code and one 4-bit gap per stored entry. The format carries no shapes, so they come from the
/// prototxt, in order; every count is checked against the bytes left before it is read, and the file must
/// be consumed exactly.
/// </summary>
public sealed class DeepCompressionWeights : ILayerWeights
{
    private const int CodebookSize = 256;

    private readonly byte[] _bytes;
    private readonly string _path;
    private readonly uint[] _storedCounts;
    private readonly IReadOnlyList<string> _layerNames;
    private int _position;
    private int _nextLayer;

    /// <param name="convolutionNames">The net's Convolution layers in file order: the layers the file covers.</param>
    public DeepCompressionWeights(byte[] bytes, string path, IReadOnlyList<string> convolutionNames)
    {
        _bytes = bytes;
        _path = path;
        _layerNames = convolutionNames;
        if (convolutionNames.Count == 0) throw new CaffeFormatException($"{path}: the prototxt has no Convolution layers for Deep Compression weights");
        _storedCounts = new uint[convolutionNames.Count];
        for (int i = 0; i < _storedCounts.Length; i++) _storedCounts[i] = BinaryPrimitives.ReadUInt32LittleEndian(Read(4, () => $"header: non-zero count of layer #{i}"));
    }

    public static DeepCompressionWeights ReadFile(string path, IReadOnlyList<string> convolutionNames)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new CaffeFormatException($"{path}: file not found");
        if (info.Length > int.MaxValue) throw new CaffeFormatException($"{path}: {info.Length} bytes is too large for Deep Compression weights");
        return new DeepCompressionWeights(File.ReadAllBytes(path), path, convolutionNames);
    }

    public IReadOnlyList<float[]> Take(LayerParameter layer, IReadOnlyList<BlobSpec> specs)
    {
        if (layer.Type != "Convolution") throw new CaffeFormatException($"{_path}: layer '{layer.Name}' ({layer.Type}) has parameters, but Deep Compression weights cover Convolution layers only");
        if (_nextLayer >= _layerNames.Count || _layerNames[_nextLayer] != layer.Name)
            throw new CaffeFormatException($"{_path}: layer '{layer.Name}' asked out of file order");
        if (specs is not [{ Role: BlobRole.Weights } weightSpec, { Role: BlobRole.Bias } biasSpec])
            throw new CaffeFormatException($"{_path}: layer '{layer.Name}': Deep Compression weights need a bias term");
        int index = _nextLayer++;
        string where = $"layer #{index} '{layer.Name}'";
        float[] codebook = ReadFloats(CodebookSize, () => $"{where} codebook");
        float[] bias = ReadFloats(biasSpec.Count, () => $"{where} bias");
        long stored = _storedCounts[index];
        ReadOnlySpan<byte> codes = Read(stored, () => $"{where} codes");
        // decode.py reads (n - 1) / 2 + 1 gap bytes with Python 2's floor division: none when n is 0.
        ReadOnlySpan<byte> gaps = Read(stored == 0 ? 0 : (stored - 1) / 2 + 1, () => $"{where} gaps");
        float[] weights = new float[weightSpec.Count];
        long position = -1;
        for (int k = 0; k < stored; k++)
        {
            int gap = (k & 1) == 0 ? gaps[k >> 1] & 0xF : gaps[k >> 1] >> 4;
            position += gap + 1;
            if (position >= weights.Length)
                throw new CaffeFormatException($"{_path}: {where}: entry {k} lands at weight {position}, past the {weights.Length} weights of shape [{string.Join(", ", weightSpec.Shape)}]");
            weights[position] = codebook[codes[k]];
        }
        return [weights, bias];
    }

    public void Complete()
    {
        if (_nextLayer != _layerNames.Count)
            throw new CaffeFormatException($"{_path}: decoded {_nextLayer} of {_layerNames.Count} Convolution layers");
        if (_position != _bytes.Length)
            throw new CaffeFormatException($"{_path}: {_bytes.Length - _position} bytes left after the last layer; the file does not match the prototxt");
    }

    private float[] ReadFloats(long count, Func<string> what)
    {
        ReadOnlySpan<byte> bytes = Read(checked(count * 4), what);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return values;
    }

    private ReadOnlySpan<byte> Read(long count, Func<string> what)
    {
        if (count > _bytes.Length - _position)
            throw new CaffeFormatException($"{_path}: {what()}: needs {count} bytes at offset {_position}, only {_bytes.Length - _position} left");
        var span = _bytes.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }
}
