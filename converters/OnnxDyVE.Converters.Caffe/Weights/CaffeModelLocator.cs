using Google.Protobuf;
using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>
/// Finds where a caffemodel that failed to parse goes wrong, for the error message: which layer (index and,
/// when readable, name) and which blob of it. It walks the wire format field by field and parses each layer
/// and blob on its own; every declared length is compared with the bytes left before anything is read, so
/// a damaged file costs at most one pass over it and no allocation beyond its own size.
/// </summary>
internal static class CaffeModelLocator
{
    private const int V1LayersField = 2;
    private const int V2LayerField = 100;

    /// <summary>
    /// How the generated parser fails on a damaged file: with InvalidProtocolBufferException, or, when a length
    /// prefix near 2^31 overflows its limit arithmetic (Google.Protobuf 3.30), with an index or argument error.
    /// </summary>
    public static bool IsParseFailure(Exception e) =>
        e is InvalidProtocolBufferException or IndexOutOfRangeException or ArgumentException or OverflowException;

    public static string Locate(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        int layerIndex = 0;
        try
        {
            while (!input.IsAtEnd)
            {
                uint tag = input.ReadTag();
                int field = WireFormat.GetTagFieldNumber(tag);
                if (field is not (V1LayersField or V2LayerField))
                {
                    input.SkipLastField();
                    continue;
                }
                bool v1 = field == V1LayersField;
                if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                    return $"layer #{layerIndex} (at byte {input.Position}) has wire type {WireFormat.GetTagWireType(tag)}, not a length-delimited message";
                long start = input.Position;
                (int length, int payload) = DeclaredLength(bytes, input);
                if (length > bytes.Length - payload)
                {
                    string partial = LocateInLayer(bytes[payload..], v1) is string problem ? $" {problem}" : "";
                    return $"layer #{layerIndex}{partial} (at byte {start}) is truncated: {length} bytes declared, {bytes.Length - payload} left";
                }
                if (LocateInLayer(input.ReadBytes().ToByteArray(), v1) is string failure) return $"layer #{layerIndex} {failure}";
                layerIndex++;
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return $"at byte {input.Position}, after {layerIndex} whole layer(s)";
        }
        return "net (no single layer fails on its own)";
    }

    /// <summary>Wire types 6 and 7 do not exist; protobuf's skipping does not always reject them.</summary>
    private static bool IsKnownWireType(uint tag) => (int)WireFormat.GetTagWireType(tag) <= 5;

    /// <summary>The length prefix at the reader's position and where its payload starts, read without moving the reader.</summary>
    private static (int Length, int Payload) DeclaredLength(byte[] bytes, CodedInputStream input)
    {
        int at = (int)input.Position;
        // A length prefix is a varint of at most 10 bytes.
        var peek = new CodedInputStream(bytes[at..Math.Min(bytes.Length, at + 10)]);
        int length = peek.ReadLength();
        return (length, at + (int)peek.Position);
    }

    /// <summary>Null when the layer parses; else its name if readable and the failing blob.</summary>
    private static string? LocateInLayer(byte[] bytes, bool v1)
    {
        try
        {
            if (v1) V1LayerParameter.Parser.ParseFrom(bytes);
            else LayerParameter.Parser.ParseFrom(bytes);
            return null;
        }
        catch (Exception e) when (IsParseFailure(e)) { }
        int nameField = v1 ? 4 : 1, blobsField = v1 ? 6 : 7;
        string name = "(name unreadable)";
        var input = new CodedInputStream(bytes);
        int blobIndex = 0;
        try
        {
            while (!input.IsAtEnd)
            {
                uint tag = input.ReadTag();
                if (!IsKnownWireType(tag)) return $"{name}, after {blobIndex} whole blob(s), at byte {input.Position} of the layer: invalid wire type {(int)WireFormat.GetTagWireType(tag)}";
                int field = WireFormat.GetTagFieldNumber(tag);
                bool delimited = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
                if (field == nameField && delimited) name = $"'{input.ReadString()}'";
                else if (field == blobsField && delimited)
                {
                    (int length, int payload) = DeclaredLength(bytes, input);
                    if (length > bytes.Length - payload) return $"{name} blob {blobIndex}: truncated, {length} bytes declared, {bytes.Length - payload} left";
                    try
                    {
                        BlobProto.Parser.ParseFrom(input.ReadBytes());
                    }
                    catch (Exception e) when (IsParseFailure(e))
                    {
                        return $"{name} blob {blobIndex}: {e.Message}";
                    }
                    blobIndex++;
                }
                else input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"{name}, after {blobIndex} whole blob(s), at byte {input.Position} of the layer: {e.Message}";
        }
        return name;
    }
}
