using Google.Protobuf;
using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>Reads and writes ONNX model files, turning every way a file can be unreadable into one <see cref="RewriteException"/>.</summary>
public static class ModelFile
{
    /// <summary>Protobuf messages cannot exceed 2 GiB; a bigger file is not a (self-contained) ONNX model.</summary>
    private const long MaxBytes = int.MaxValue;

    public static ModelProto Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new RewriteException($"{path}: no such file");
            if (info.Length > MaxBytes) throw new RewriteException($"{path}: {info.Length} bytes is more than a protobuf message can hold (2 GiB)");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RewriteException($"{path}: cannot read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses a serialized model; <paramref name="source"/> names it in errors.</summary>
    public static ModelProto Parse(byte[] bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        // Google.Protobuf 3.30 throws an index, argument or overflow error, not InvalidProtocolBufferException, when a
        // length prefix near 2^31 overflows its limit arithmetic; all of them mean the same here.
        catch (Exception e) when (e is InvalidProtocolBufferException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            throw new RewriteException($"{source}: not an ONNX model or truncated ({e.Message})", e);
        }
        // Arbitrary bytes sometimes parse as a message of unknown fields; a model has an IR version and a graph.
        if (model.IrVersion <= 0 || model.Graph is null)
            throw new RewriteException($"{source}: not an ONNX model (no IR version or no graph)");
        return model;
    }

    public static void Write(ModelProto model, string path)
    {
        try
        {
            using var stream = File.Create(path);
            model.WriteTo(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RewriteException($"{path}: cannot write: {e.Message}", e);
        }
    }
}
