using System.Runtime.InteropServices;
using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Reads float32 initializers, checking that the stored data fits the declared shape before anything is
/// allocated, so a corrupt dims field cannot ask for gigabytes.
/// </summary>
internal static class TensorData
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>Why a tensor cannot be read here (not float32, external data), or null when it can.</summary>
    public static string? WhyUnreadable(TensorProto tensor) =>
        tensor.DataType != FloatType ? $"'{tensor.Name}' is {(TensorProto.Types.DataType)tensor.DataType}, not float32"
        : tensor.DataLocation == TensorProto.Types.DataLocation.External ? $"'{tensor.Name}' is stored as external data, which the rewriter does not read"
        : null;

    /// <summary>The element count its dims declare; <paramref name="where"/> names the reader in errors.</summary>
    private static long ElementCount(TensorProto tensor, string where)
    {
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0) throw new RewriteException($"{where}: initializer '{tensor.Name}' has a negative dimension {dim}");
            if (dim != 0 && count > long.MaxValue / dim)
                throw new RewriteException($"{where}: initializer '{tensor.Name}' has dimensions [{string.Join(", ", tensor.Dims)}], too many elements");
            count *= dim;
        }
        return count;
    }

    /// <summary>Checks that the stored values match the dims without reading them.</summary>
    public static void CheckSize(TensorProto tensor, string where)
    {
        long expected = ElementCount(tensor, where);
        long stored = tensor.RawData.Length > 0 ? tensor.RawData.Length / sizeof(float) : tensor.FloatData.Count;
        if (tensor.RawData.Length % sizeof(float) != 0 || stored != expected)
            throw new RewriteException($"{where}: initializer '{tensor.Name}' has shape [{string.Join(", ", tensor.Dims)}] ({expected} values) but stores {stored}");
    }

    public static float[] Floats(TensorProto tensor, string where)
    {
        CheckSize(tensor, where);
        if (tensor.RawData.Length > 0) return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return [.. tensor.FloatData];
    }
}
