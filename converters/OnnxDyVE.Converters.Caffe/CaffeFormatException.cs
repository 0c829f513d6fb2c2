namespace OnnxDyVE.Converters.Caffe;

/// <summary>
/// A Caffe input (prototxt, caffemodel, mean file, Deep Compression weights) that cannot be read or converted.
/// The message always starts with where: a file with line and column for text, a file with layer and blob
/// for binary weights, a layer name and type for conversion.
/// </summary>
public sealed class CaffeFormatException : FormatException
{
    public CaffeFormatException(string message) : base(message) { }

    public CaffeFormatException(string message, Exception inner) : base(message, inner) { }
}
