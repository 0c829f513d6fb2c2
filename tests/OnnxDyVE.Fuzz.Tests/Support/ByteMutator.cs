using System.Buffers.Binary;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// Seeded byte-level mutations of a binary file, stacked one to four at a time: bit flips, boundary bytes and
/// integers, protobuf varints that claim huge lengths, chunks deleted, duplicated or moved, truncation. Integers
/// and varints are where a reader trusts a declared size, so they are favoured over plain random bytes.
/// </summary>
internal static class ByteMutator
{
    private static readonly uint[] InterestingInts =
        [0, 1, 2, 3, 4, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 1 << 20, 1 << 24, 1 << 30, 0x7FFFFFF0, int.MaxValue, 0x80000000, 0xFFFFFFF0, uint.MaxValue];

    /// <summary>Varints a protobuf reader may take as a length, a count or a field value.</summary>
    private static readonly ulong[] InterestingVarints =
        [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 1 << 20, 1 << 28, int.MaxValue - 16, int.MaxValue, 1UL << 31, uint.MaxValue, 1UL << 40, long.MaxValue, ulong.MaxValue];

    public static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int count = 1 + random.Next(4);
        for (int i = 0; i < count; i++) MutateOnce(bytes, random);
        return [.. bytes];
    }

    private static void MutateOnce(List<byte> bytes, Random random)
    {
        if (bytes.Count == 0)
        {
            bytes.Add((byte)random.Next(256));
            return;
        }
        // Mutations near the start reach headers and the first length prefixes more often.
        int at = random.Next(4) == 0 ? random.Next(Math.Min(bytes.Count, 64)) : random.Next(bytes.Count);
        switch (random.Next(12))
        {
            case 10:
            case 11:
                ReplaceLengthPrefix(bytes, random);
                break;
            case 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                bytes[at] = (byte)(random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => random.Next(256) });
                break;
            case 2:
                Span<byte> word = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(word, InterestingInts[random.Next(InterestingInts.Length)]);
                for (int k = 0; k < 4 && at + k < bytes.Count; k++) bytes[at + k] = word[k];
                break;
            case 3:
            case 4:
                // A varint written over the bytes at a random place: often a length prefix or a count.
                byte[] varint = Varint(InterestingVarints[random.Next(InterestingVarints.Length)]);
                for (int k = 0; k < varint.Length && at + k < bytes.Count; k++) bytes[at + k] = varint[k];
                break;
            case 5:
                bytes.InsertRange(at, Varint(InterestingVarints[random.Next(InterestingVarints.Length)]));
                break;
            case 6:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 512)));
                break;
            case 7:
                int length = Math.Min(bytes.Count - at, 1 + random.Next(256));
                bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                break;
            case 8:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            default:
                for (int k = 0; k < 1 + random.Next(8) && at + k < bytes.Count; k++) bytes[at + k] = (byte)random.Next(256);
                break;
        }
    }

    /// <summary>
    /// Finds the length prefixes of the length-delimited fields along one path into the message (top level, then
    /// into a random field, and so on) and replaces one of them with an interesting varint: the lie a crafted file
    /// tells to make a reader allocate or index past its buffer.
    /// </summary>
    private static void ReplaceLengthPrefix(List<byte> bytes, Random random)
    {
        var prefixes = new List<(int At, int Width)>();
        int start = 0, end = bytes.Count;
        for (int depth = 0; depth < 6 && start < end; depth++)
        {
            var fields = new List<(int At, int Width, int Payload, int Length)>();
            int position = start;
            while (position < end)
            {
                if (!TryReadVarint(bytes, ref position, end, out ulong tag)) break;
                int wireType = (int)(tag & 7);
                if (wireType == 0 && TryReadVarint(bytes, ref position, end, out _)) continue;
                if (wireType == 1) { position += 8; continue; }
                if (wireType == 5) { position += 4; continue; }
                int at = position;
                if (wireType != 2 || !TryReadVarint(bytes, ref position, end, out ulong length) || length > (ulong)(end - position)) break;
                fields.Add((at, position - at, position, (int)length));
                position += (int)length;
            }
            if (fields.Count == 0) break;
            var field = fields[random.Next(fields.Count)];
            prefixes.Add((field.At, field.Width));
            (start, end) = (field.Payload, field.Payload + field.Length);
        }
        if (prefixes.Count == 0) return;
        (int prefixAt, int width) = prefixes[random.Next(prefixes.Count)];
        bytes.RemoveRange(prefixAt, width);
        bytes.InsertRange(prefixAt, Varint(InterestingVarints[random.Next(InterestingVarints.Length)]));
    }

    private static bool TryReadVarint(List<byte> bytes, ref int position, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && position < end; shift += 7)
        {
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>(10);
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            bytes.Add(b);
        } while (value != 0);
        return [.. bytes];
    }
}
