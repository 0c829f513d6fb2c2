using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// Each position tile's own k (exact zero inputs): the taps at which not all of the tile's inputs are zero, in the
/// order of K, and where each pass of K ends among them. A post-ReLU map is zero at most positions, and neighbours
/// are often zero together (ResNet18's last stage: 50%-84% of a six-position tile's taps), though whole maps rarely are.
/// A left-out tap would have added 0 x w to each of the tile's sums: nothing, for finite weights, so the sums are bit for
/// bit those of the dense tile, whose k come in the same order. Tiles are of six, three or two positions
/// (<see cref="Rows"/>), as the task's sample chooses.
/// Tile t's lists start at <see cref="Lists"/> + t x <see cref="Stride"/>: <see cref="Passes"/> + 1 ends (the first
/// 0), then its entries. Built from blocked maps (16 channels a position, contiguous), whose 16 channels at a tap are
/// one vector: one load per position and tap finds 16 channels' zeros.
/// </summary>
internal readonly unsafe struct LiveTaps(int* lists, int stride, int passes, int rows = PanelLayout.Rows)
{
    /// <summary>The most taps per channel a list is built for: a channel's taps are the bits of one int.</summary>
    public const int MaximumTaps = 32;

    public int* Lists => lists;
    public int Stride => stride;
    public int Passes => passes;
    public bool IsEmpty => lists == null;
    /// <summary>Positions per tile: six, three or two (<see cref="ChooseRows"/>).</summary>
    public int Rows => rows;

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

    /// <summary>This struct's lists at tiles of <paramref name="height"/> positions.</summary>
    public LiveTaps WithRows(int height) => new(lists, stride, passes, height);

    /// <summary>
    /// Builds the lists of the tiles of <paramref name="count"/> positions (<paramref name="origins"/> in
    /// <paramref name="padded"/>) over K = <paramref name="channels"/> x <paramref name="taps"/> (channel-major, tap k's
    /// offset in <paramref name="offsets"/>, blocked input: channel c at c's block's offset + c % 16), cut into passes of
    /// <paramref name="passLength"/>, at the tile height the sample's positions choose (<see cref="ChooseRows"/>); or none,
    /// where even that height's tiles would keep more than <paramref name="maxKept"/> of their taps.
    /// </summary>
    /// <returns>The sum over tiles of entries x positions (the MACs per output channel left in) and the tiles' height; 0 rows: no lists.</returns>
    public static TileLists Build(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int passLength, double maxKept, in LiveTaps into)
    {
        int rows = ChooseRows(padded, origins, count, offsets, channels, taps, maxKept);
        return rows == 0 ? default : new(BuildAt(rows, padded, origins, count, offsets, channels, taps, passLength, into), rows);
    }

    /// <summary>As <see cref="Build"/>, at tiles of <paramref name="rows"/> positions (two, three or six): the taps kept x positions.</summary>
    internal static long BuildAt(int rows, float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int passLength, in LiveTaps into)
    {
        LiveTaps lists = into.WithRows(rows);
        return rows switch
        {
            TwoRows.Count => BuildTiles<TwoRows>(padded, origins, count, offsets, channels, taps, passLength, lists),
            ThreeRows.Count => BuildTiles<ThreeRows>(padded, origins, count, offsets, channels, taps, passLength, lists),
            PanelLayout.Rows => BuildTiles<SixRows>(padded, origins, count, offsets, channels, taps, passLength, lists),
            _ => throw new ArgumentOutOfRangeException(nameof(rows), rows, "tiles are two, three or six positions high"),
        };
    }

    /// <summary>
    /// The tile height whose lists cost least over <see cref="SampleTiles"/> six-position groups from the middle of the
    /// <paramref name="count"/> positions (away from the padding above and below a map, which the tiles without lists leave
    /// out too), or 0 where lists do not pay. Where there are no more positions than the sample holds: two, without a
    /// sample, where one 512-bit FMA retires a cycle; elsewhere the sample is the whole groups there are (none: 0). A
    /// tile of h positions keeps the taps any of its h inputs reads a value other than zero at, so lower tiles keep fewer;
    /// but each tile of a pass costs its setup, its sums' loads and stores and its list whatever it keeps
    /// (<see cref="TileCost"/>). Counted on real images (padding taps left out): ResNet18's Convolution355 keeps 31%, 20% and
    /// 15% of its taps in tiles of six, three and two positions; SqueezeNet's fire8 3 x 3 expand 90%, 81% and 75%.
    /// </summary>
    internal static int ChooseRows(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, double maxKept)
    {
        // A task no larger than the sample would pay for a sample about as much as for its lists where one FMA retires a
        // cycle: it takes two-position tiles unasked there (cifar10_quick's conv3, tasks of 12 positions, Zen 4: 0.98x of no
        // lists with the sample, 1.03x without it). Where two do, those tiles made the same model 0.89x of no lists (Ice
        // Lake): the task samples its whole groups instead.
        if (count <= SampleTiles * PanelLayout.Rows && WideFmaRate.PerCycle == 1) return TwoRows.Count;
        int groups = Math.Min(SampleTiles, count / PanelLayout.Rows);
        if (groups == 0) return 0;
        (long two, long three, long six) = SampleKept(padded, origins, count, offsets, channels, taps, groups);
        double dense = (double)groups * PanelLayout.Rows * channels * taps;
        double costTwo = two / dense + TileCost / TwoRows.Count, costThree = three / dense + TileCost / ThreeRows.Count,
            costSix = six / dense + TileCost / PanelLayout.Rows;
        double best = Math.Min(costSix, Math.Min(costThree, costTwo));
        // Six-position tiles keeping maxKept was the measured limit of lists paying; lower tiles pay where they cost no more.
        if (best > maxKept + TileCost / PanelLayout.Rows) return 0;
        return best == costTwo ? TwoRows.Count : best == costThree ? ThreeRows.Count : PanelLayout.Rows;
    }

    /// <summary>
    /// What a tile costs beyond the taps it keeps, in units of one position's dense work: its setup, its sums' loads and
    /// stores at each pass and its list's building. 0.25 where one 512-bit FMA retires a cycle (measured on Zen 4: 0.1 chose
    /// the same, 0.5 cost ResNet18 2.5%); twice that where two do (<see cref="WideFmaRate"/>), since those cycles are as many
    /// and the dense work takes half as many. On Intel Ice Lake, SqueezeNet with lists against without: 0.98x at 0.25 (two-
    /// position tiles chosen for fire7's and fire8's expands, 1.5x their time without lists), 1.02x-1.05x at 0.4, 0.6 and 1.
    /// </summary>
    internal static double TileCost { get; } = 0.25 * WideFmaRate.PerCycle;

    /// <summary>
    /// The taps x positions that tiles of two, three and six positions keep over the sample: <paramref name="groups"/>
    /// whole groups of six positions from the middle of the <paramref name="count"/> (the last, perhaps partial, group is
    /// never among them where there are more), each group's tiles of every height starting where it starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (long Two, long Three, long Six) SampleKept(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int groups)
    {
        const int group = PanelLayout.Rows;
        int first = (PanelLayout.CeilDiv(count, group) - groups) / 2 * group;
        long two = 0, three = 0, six = 0;
        for (int g = first; g < first + groups * group; g += group)
        {
            float* p0 = padded + origins[g], p1 = padded + origins[g + 1], p2 = padded + origins[g + 2];
            float* p3 = padded + origins[g + 3], p4 = padded + origins[g + 4], p5 = padded + origins[g + 5];
            for (int c0 = 0; c0 < channels; c0 += 16)
            {
                uint lanes = channels - c0 >= 16 ? 0xFFFF : (1u << (channels - c0)) - 1;
                nint* at = offsets + (nint)c0 * taps;
                for (int t = 0; t < taps; t++)
                {
                    // Each position's live lanes as a mask; a tile keeps the lanes any of its positions reads a value at.
                    nint off = at[t];
                    uint m0 = Live(p0 + off), m1 = Live(p1 + off), m2 = Live(p2 + off), m3 = Live(p3 + off), m4 = Live(p4 + off), m5 = Live(p5 + off);
                    uint low = m0 | m1 | m2, high = m3 | m4 | m5;
                    two += BitOperations.PopCount((m0 | m1) & lanes) + BitOperations.PopCount((m2 | m3) & lanes) + BitOperations.PopCount((m4 | m5) & lanes);
                    three += BitOperations.PopCount(low & lanes) + BitOperations.PopCount(high & lanes);
                    six += BitOperations.PopCount((low | high) & lanes);
                }
            }
        }
        return (two * TwoRows.Count, three * ThreeRows.Count, six * group);
    }

    /// <summary>The lanes of the 16 floats at <paramref name="at"/> that are other than zero, as bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Live(float* at) => (uint)NonZero(Vector512.Load(at).AsInt32()).ExtractMostSignificantBits();

    /// <summary>All ones in the lanes whose float is other than zero (-0 is zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> NonZero(Vector512<int> bits) => ~Vector512.Equals(bits & Vector512.Create(int.MaxValue), Vector512<int>.Zero);

    /// <summary>Every tile's lists (<see cref="Build"/>), tiles of <typeparamref name="TRows"/>; the taps they keep x their positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long BuildTiles<TRows>(float* padded, nint* origins, int count, nint* offsets, int channels, int taps, int passLength, in LiveTaps into)
        where TRows : struct
    {
        bool six = typeof(TRows) == typeof(SixRows), two = typeof(TRows) == typeof(TwoRows);
        int height = TileRows.Height<TRows>();
        const int block = 16;
        int* lanes = stackalloc int[block];
        int passes = into.Passes, k = channels * taps;
        long kept = 0;
        for (int tile = 0, first = 0; first < count; tile++, first += height)
        {
            int rows = Math.Min(height, count - first);
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
                    Vector512<int> any = Vector512.Load(p0 + off).AsInt32() | Vector512.Load(p1 + off).AsInt32();
                    if (!two) any |= Vector512.Load(p2 + off).AsInt32();
                    if (six) any |= Vector512.Load(p3 + off).AsInt32() | Vector512.Load(p4 + off).AsInt32() | Vector512.Load(p5 + off).AsInt32();
                    Vector512<int> nonzero = NonZero(any);
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

    /// <summary>Groups of six positions whose inputs choose a task's tile height, or no lists (<see cref="ChooseRows"/>).</summary>
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

/// <summary>What <see cref="LiveTaps.Build"/> built: the taps kept x positions, and the tiles' height (0: no lists).</summary>
internal readonly record struct TileLists(long Kept, int Rows)
{
    public bool IsEmpty => Rows == 0;
}
