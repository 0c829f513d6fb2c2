using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe.Means;

/// <summary>
/// NumPy's <c>.npy</c> format for a mean image: magic, version, a Python-dict header giving the dtype
/// (little-endian float32 or float64), C order, and the shape; the data must fill the rest of the file exactly.
/// </summary>
internal static partial class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    /// <summary>NumPy pads headers to 64 bytes and keeps them short; a longer one is not a mean image.</summary>
    private const int MaxHeaderLength = 1 << 16;

    public static MeanImage Read(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw new CaffeFormatException($"{path}: not a .npy file (no \\x93NUMPY magic)");
        byte major = bytes[6];
        int lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new CaffeFormatException($"{path}: .npy version {major}.{bytes[7]} is not supported (1, 2 or 3)"),
        };
        if (bytes.Length < 8 + lengthSize) throw new CaffeFormatException($"{path}: truncated .npy header");
        long headerLength = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int headerStart = 8 + lengthSize;
        if (headerLength > MaxHeaderLength || headerLength > bytes.Length - headerStart)
            throw new CaffeFormatException($"{path}: .npy header length {headerLength} exceeds the file or {MaxHeaderLength} bytes");
        string header = Encoding.Latin1.GetString(bytes, headerStart, (int)headerLength);
        (int itemSize, long[] shape) = ParseHeader(header, path);
        int dataStart = headerStart + (int)headerLength;
        long count = TensorLimits.CheckedCount(shape, () => $"{path}: .npy shape");
        if (count * itemSize != bytes.Length - dataStart)
            throw new CaffeFormatException($"{path}: shape [{string.Join(", ", shape)}] needs {count * itemSize} data bytes, the file has {bytes.Length - dataStart}");
        var values = new float[count];
        ReadOnlySpan<byte> data = bytes.AsSpan(dataStart);
        for (int i = 0; i < values.Length; i++)
            values[i] = itemSize == 4 ? BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]) : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
        return new MeanImage(MeanFiles.ImageShape(shape, path), values);
    }

    private static (int ItemSize, long[] Shape) ParseHeader(string header, string path)
    {
        string descr = Entry(DescrPattern(), header, "descr", path);
        int itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new CaffeFormatException($"{path}: .npy dtype '{descr}' is not supported (little-endian float32 '<f4' or float64 '<f8')"),
        };
        if (Entry(FortranPattern(), header, "fortran_order", path) != "False")
            throw new CaffeFormatException($"{path}: .npy data in Fortran order is not supported (C order only)");
        string dims = Entry(ShapePattern(), header, "shape", path);
        long[] shape = [.. dims.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(d =>
            long.TryParse(d, out long value) && value >= 0 ? value : throw new CaffeFormatException($"{path}: .npy shape entry '{d}' is not a size"))];
        return (itemSize, shape);
    }

    private static string Entry(Regex pattern, string header, string key, string path)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new CaffeFormatException($"{path}: .npy header has no readable '{key}': {header.Trim()}");
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
