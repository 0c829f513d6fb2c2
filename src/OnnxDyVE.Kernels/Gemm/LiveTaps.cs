using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Each six-position tile's own k (exact zero inputs): the taps at which not all of the tile's inputs are zero, in the
/// order of K, and where each pass of K ends among them. A post-ReLU map is zero at most positions, and six neighbours
/// are often zero together (ResNet18's last stage: 50%-84% of a tile's taps), though whole maps rarely are. A left-out
/// tap would have added 0 x w to each of the tile's sums: nothing, for finite weights, so the sums are bit for bit
/// those of the dense tile, whose k come in the same order.
/// Tile t's lists start at <see cref="Lists"/> + t x <see cref="Stride"/>: <see cref="Passes"/> + 1 ends (the first
/// 0), then its entries. Built from blocked maps (16 channels a position, contiguous), whose 16 channels at a tap are
/// one vector: one load per position and tap finds 16 channels' zeros.
/// </summary>
internal readonly unsafe struct LiveTaps(int* lists, int stride, int passes)
{
    /// <summary>The most taps per channel a list is built for: a channel's taps are the bits of one int.</summary>
    public const int MaximumTaps = 32;

    public int* Lists => lists;
    public int Stride => stride;
    public int Passes => passes;
    public bool IsEmpty => lists == null;

    /// <summary>Tile <paramref name="tile"/>'s entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int* Entries(int tile) => lists + (nint)tile * stride + passes + 1;

    /// <summary>Tile <paramref name="tile"/>'s entries of pass <paramref name="pass"/>: [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Start, int End) Pass(int tile, int pass)
    {
        int* ends = lists + (nint)tile * stride;
        return (ends[pass], ends[pass + 1]);
    }

    /// <summary>Ints of one tile's lists over a K of <paramref name="k"/> in <paramref name="passes"/> passes: the ends, then at most K entries.</summary>
    public static int StrideFor(int k, int passes) => k + passes + 1;

    /// <summary>
    /// Builds the lists of the tiles of <paramref name="count"/> positions (<paramref name="origins"/> in
    /// <paramref name="padded"/>, six a tile) over K = <paramref name="channels"/> x <paramref name="taps"/> (channel-major,
    /// tap k's offset in <paramref name="offsets"/>, blocked input: channel c at c's block's offset + c % 16), cut into passes of
    /// <paramref name="passLength"/>. Returns the sum over tiles of entries x positions: the MACs per output channel left in;
    /// or -1, with no list built, where <see cref="SampleTiles"/> tiles from the middle of the positions (away from the
    /// padding above and below a map, which the tiles without lists leave out too) keep more than <paramref name="maxKept"/>
    /// of their taps.
    /// </summary>
    public static long Build(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int passLength, double maxKept, in LiveTaps into)
    {
        int tiles = PanelLayout.CeilDiv(count, PanelLayout.Rows);
        if (tiles <= SampleTiles) return BuildTiles(padded, origins, count, offsets, channels, taps, passLength, into, 0, tiles);
        // The sample's lists are kept: the rest are built around them.
        int first = (tiles - SampleTiles) / 2, end = first + SampleTiles;
        int positions = Math.Min(count, end * PanelLayout.Rows) - first * PanelLayout.Rows;
        long sample = BuildTiles(padded, origins, count, offsets, channels, taps, passLength, into, first, end);
        if (sample > maxKept * positions * channels * taps) return -1;
        return sample + BuildTiles(padded, origins, count, offsets, channels, taps, passLength, into, 0, first)
            + BuildTiles(padded, origins, count, offsets, channels, taps, passLength, into, end, tiles);
    }

    /// <summary>Tiles [<paramref name="firstTile"/>, <paramref name="endTile"/>) of <see cref="Build"/>: their lists, and the taps they keep x their positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long BuildTiles(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int passLength, in LiveTaps into,
        int firstTile, int endTile)
    {
        const int block = 16;
        int* lanes = stackalloc int[block];
        int passes = into.Passes, k = channels * taps;
        long kept = 0;
        for (int tile = firstTile, first = firstTile * PanelLayout.Rows; tile < endTile; tile++, first += PanelLayout.Rows)
        {
            int rows = Math.Min(PanelLayout.Rows, count - first);
            nint* o = origins + first;
            float* p0 = padded + o[0], p1 = padded + o[rows > 1 ? 1 : 0], p2 = padded + o[rows > 2 ? 2 : 0];
            float* p3 = padded + o[rows > 3 ? 3 : 0], p4 = padded + o[rows > 4 ? 4 : 0], p5 = padded + o[rows > 5 ? 5 : 0];
            int* ends = into.Lists + (nint)tile * into.Stride;
            int* entries = ends + passes + 1;
            int n = 0;
            for (int c0 = 0; c0 < channels; c0 += block)
            {
                // Bit t of lane c: whether tap t of channel c0 + c reads a value other than 0 (or -0) at any of the six positions.
                Vector512<int> live = Vector512<int>.Zero;
                nint* at = offsets + (nint)c0 * taps;
                for (int t = 0; t < taps; t++)
                {
                    nint off = at[t];
                    Vector512<int> any = Vector512.Load(p0 + off).AsInt32() | Vector512.Load(p1 + off).AsInt32() | Vector512.Load(p2 + off).AsInt32()
                        | Vector512.Load(p3 + off).AsInt32() | Vector512.Load(p4 + off).AsInt32() | Vector512.Load(p5 + off).AsInt32();
                    Vector512<int> nonzero = ~Vector512.Equals(any & Vector512.Create(int.MaxValue), Vector512<int>.Zero);
                    live |= taps == 1 ? nonzero : nonzero & Vector512.Create(1 << t);
                }
                n += taps == 1 ? Emit(live, c0, channels, entries + n) : EmitTaps(live, c0, channels, taps, entries + n, lanes);
            }
            // Pass p covers k in [p x passLength, (p + 1) x passLength).
            ends[0] = 0;
            for (int pass = 1, e = 0; pass <= passes; pass++)
            {
                int end = pass == passes ? k : pass * passLength;
                while (e < n && entries[e] < end) e++;
                ends[pass] = pass == passes ? n : e;
            }
            kept += (long)n * rows;
        }
        return kept;
    }

    /// <summary>Tiles whose lists decide whether a task's lists pay (<see cref="Build"/>'s maxKept).</summary>
    public const int SampleTiles = 4;

    /// <summary>Lane i's k is c0 + i (one tap a channel): the live lanes' k, compressed into <paramref name="to"/> (16 ints of room). Returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Emit(Vector512<int> live, int c0, int channels, int* to)
    {
        Vector512<int> lane = Vector512<int>.Indices;
        live &= Vector512.LessThan(lane, Vector512.Create(channels - c0));
        Avx512F.Compress(Vector512<int>.Zero, live, lane + Vector512.Create(c0)).Store(to);
        return BitOperations.PopCount(live.ExtractMostSignificantBits());
    }

    /// <summary>
    /// Lane i's bits are channel c0 + i's live taps: each channel's live k, in order, compressed into <paramref name="to"/>
    /// (16 ints of room past the last). Branch-free: a branch per live tap mispredicted about as often as it was taken,
    /// and made the lists cost more than the taps they left out on SqueezeNet's layers. Returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmitTaps(Vector512<int> live, int c0, int channels, int taps, int* to, int* lanes)
    {
        live.Store(lanes);
        Vector512<int> bit = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        int here = Math.Min(16, channels - c0), n = 0;
        for (int c = 0; c < here; c++)
        {
            int bits = lanes[c];
            Vector512<int> k = Vector512.Create((c0 + c) * taps) + Vector512<int>.Indices;
            Avx512F.Compress(Vector512<int>.Zero, Vector512.Equals(Vector512.Create(bits) & bit, bit), k).Store(to + n);
            n += BitOperations.PopCount((uint)(bits & 0xFFFF));
            if (taps > 16)
            {
                Vector512<int> high = Vector512.Create(bits >>> 16);
                Avx512F.Compress(Vector512<int>.Zero, Vector512.Equals(high & bit, bit), k + Vector512.Create(16)).Store(to + n);
                n += BitOperations.PopCount((uint)bits >> 16);
            }
        }
        return n;
    }
}
