using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Planar maps copied into the padded blocked layout, for position tiles over a planar input of many channels: there a
/// tile's six positions read each map's row once per tap, and across K it touches a line per map and kernel row (1,536
/// lines on VGG's conv4_2, K 4608), where blocked maps give it a line per position and block (768). The kernel alone,
/// planar maps copied into blocks against the planar copy: 1.02x-1.13x faster on 512-channel 3 x 3 layers, 1.2x-1.4x on
/// 1 x 1 layers of 384 to 1000 outputs on 13 x 13 maps.
/// </summary>
internal static unsafe class PlanarBlocks
{
    private const int Block = BlockedMaps.Block;

    /// <summary>
    /// Blocks [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of one planar image
    /// (<paramref name="channels"/> maps of the geometry's input size) into the padded blocked layout at
    /// <paramref name="destination"/> (the image's first padded block), as <see cref="BlockedMaps.CopyPadded"/> writes it
    /// from blocked maps: padding and the lanes past the last channel zero. With <paramref name="mapFlags"/>,
    /// mapFlags[c] is <see cref="PaddedTaps.ZeroMap"/> for each of the blocks' channels that is zero everywhere, else 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(float* image, in ConvGeometry geometry, int first, int count, int channels, float* destination, byte* mapFlags)
    {
        nint pitch = (nint)geometry.PaddedWidth * Block;
        nint plane = PaddedTaps.Plane(geometry) * Block;
        nint map = geometry.InputSize;
        int width = geometry.InputWidth;
        float** targets = stackalloc float*[Block];
        for (int b = first; b < first + count; b++)
        {
            float* blocked = destination + b * plane;
            ClearPadding(blocked, geometry, pitch);
            int lanes = Math.Min(Block, channels - b * Block);
            float* maps = image + (nint)b * Block * map;
            // Positions run on across rows in the planar maps; each lands at its own row and column of the padded copy,
            // followed row by row (a division per position cost more than the transposes).
            var at = new Position(blocked + geometry.PadTop * pitch + geometry.PadLeft * Block, pitch, width);
            nint p = 0;
            if (Avx512F.IsSupported && lanes == Block)
            {
                for (; p + Block <= map; p += Block)
                {
                    for (int j = 0; j < Block; j++, at.Next()) targets[j] = at.Target;
                    Transpose16(maps + p, map, targets);
                }
            }
            for (; p < map; p++, at.Next())
            {
                float* to = at.Target;
                for (int lane = 0; lane < lanes; lane++) to[lane] = maps[lane * map + p];
                for (int lane = lanes; lane < Block; lane++) to[lane] = 0;
            }
            if (mapFlags == null) continue;
            for (int lane = 0; lane < lanes; lane++)
            {
                // Zero only if every value is +0 or -0 (a NaN is not).
                var bits = new ReadOnlySpan<uint>((uint*)(maps + lane * map), checked((int)map));
                mapFlags[b * Block + lane] = bits.IndexOfAnyExcept(0u, 0x8000_0000u) < 0 ? PaddedTaps.ZeroMap : (byte)0;
            }
        }
    }

    /// <summary>A position of the maps walked in order, and where it lands in the padded copy.</summary>
    private struct Position(float* rowStart, nint pitch, int width)
    {
        private float* _rowStart = rowStart;
        private int _x;

        public readonly float* Target => _rowStart + (nint)_x * Block;

        public void Next()
        {
            if (++_x < width) return;
            _x = 0;
            _rowStart += pitch;
        }
    }

    /// <summary>The padded copy's rows above and below the maps and its columns left and right of them, zero.</summary>
    private static void ClearPadding(float* blocked, in ConvGeometry geometry, nint pitch)
    {
        new Span<float>(blocked, checked((int)(geometry.PadTop * pitch))).Clear();
        float* below = blocked + (geometry.PadTop + geometry.InputHeight) * pitch;
        new Span<float>(below, checked((int)(geometry.PadBottom * pitch))).Clear();
        if (geometry.PadLeft + geometry.PadRight == 0) return;
        for (int y = 0; y < geometry.InputHeight; y++)
        {
            float* row = blocked + (y + geometry.PadTop) * pitch;
            new Span<float>(row, geometry.PadLeft * Block).Clear();
            new Span<float>(row + (geometry.PadLeft + geometry.InputWidth) * Block, geometry.PadRight * Block).Clear();
        }
    }

    /// <summary>
    /// 16 positions of a whole block's 16 maps (<paramref name="map"/> floats apart, <paramref name="column"/> at the
    /// first) as 16 position vectors: a 16 x 16 transpose in registers (pairs of maps, pairs of pairs, then 128-bit
    /// quarters twice), position j's vector stored at targets[j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(float* column, nint map, float** targets)
    {
        // Pairs of maps interleaved: [a0 b0 a1 b1 | a4 b4 a5 b5 | ...] and [a2 b2 a3 b3 | ...] per 128-bit quarter.
        Pair(column, map, out Vector512<float> t0, out Vector512<float> t1);
        Pair(column + 2 * map, map, out Vector512<float> t2, out Vector512<float> t3);
        Pair(column + 4 * map, map, out Vector512<float> t4, out Vector512<float> t5);
        Pair(column + 6 * map, map, out Vector512<float> t6, out Vector512<float> t7);
        Pair(column + 8 * map, map, out Vector512<float> t8, out Vector512<float> t9);
        Pair(column + 10 * map, map, out Vector512<float> t10, out Vector512<float> t11);
        Pair(column + 12 * map, map, out Vector512<float> t12, out Vector512<float> t13);
        Pair(column + 14 * map, map, out Vector512<float> t14, out Vector512<float> t15);
        // Four maps a position: quarter q of u(4g + j) holds position 4q + j of maps 4g to 4g + 3.
        Four(t0, t1, t2, t3, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3);
        Four(t4, t5, t6, t7, out Vector512<float> u4, out Vector512<float> u5, out Vector512<float> u6, out Vector512<float> u7);
        Four(t8, t9, t10, t11, out Vector512<float> u8, out Vector512<float> u9, out Vector512<float> u10, out Vector512<float> u11);
        Four(t12, t13, t14, t15, out Vector512<float> u12, out Vector512<float> u13, out Vector512<float> u14, out Vector512<float> u15);
        // Positions j, j + 4, j + 8, j + 12 from u(j), u(4 + j), u(8 + j), u(12 + j).
        Positions(u0, u4, u8, u12, targets);
        Positions(u1, u5, u9, u13, targets + 1);
        Positions(u2, u6, u10, u14, targets + 2);
        Positions(u3, u7, u11, u15, targets + 3);
    }

    /// <summary>16 positions of a map at <paramref name="first"/> and of the next, interleaved by pairs of lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair(float* first, nint map, out Vector512<float> low, out Vector512<float> high)
    {
        Vector512<float> a = Vector512.Load(first), b = Vector512.Load(first + map);
        low = Avx512F.UnpackLow(a, b);
        high = Avx512F.UnpackHigh(a, b);
    }

    /// <summary>Interleaved pairs (a, b) and (c, d) into four maps a position: positions 4q, 4q + 1, 4q + 2, 4q + 3 per quarter q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Four(Vector512<float> abLow, Vector512<float> abHigh, Vector512<float> cdLow, Vector512<float> cdHigh,
        out Vector512<float> j0, out Vector512<float> j1, out Vector512<float> j2, out Vector512<float> j3)
    {
        j0 = Avx512F.UnpackLow(abLow.AsDouble(), cdLow.AsDouble()).AsSingle();
        j1 = Avx512F.UnpackHigh(abLow.AsDouble(), cdLow.AsDouble()).AsSingle();
        j2 = Avx512F.UnpackLow(abHigh.AsDouble(), cdHigh.AsDouble()).AsSingle();
        j3 = Avx512F.UnpackHigh(abHigh.AsDouble(), cdHigh.AsDouble()).AsSingle();
    }

    /// <summary>
    /// From vectors holding positions j, j + 4, j + 8, j + 12 (one per quarter) of maps 0-3, 4-7, 8-11 and 12-15, the 16
    /// channels of each of those positions, stored at targets[0], [4], [8] and [12].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Positions(Vector512<float> m0, Vector512<float> m4, Vector512<float> m8, Vector512<float> m12, float** targets)
    {
        // Quarters 0 and 2 (positions j, j + 8), then 1 and 3 (j + 4, j + 12), of maps 0-7 and of maps 8-15.
        Vector512<float> even07 = Avx512F.Shuffle4x128(m0, m4, 0b10_00_10_00), odd07 = Avx512F.Shuffle4x128(m0, m4, 0b11_01_11_01);
        Vector512<float> even815 = Avx512F.Shuffle4x128(m8, m12, 0b10_00_10_00), odd815 = Avx512F.Shuffle4x128(m8, m12, 0b11_01_11_01);
        Avx512F.Shuffle4x128(even07, even815, 0b10_00_10_00).Store(targets[0]);
        Avx512F.Shuffle4x128(even07, even815, 0b11_01_11_01).Store(targets[8]);
        Avx512F.Shuffle4x128(odd07, odd815, 0b10_00_10_00).Store(targets[4]);
        Avx512F.Shuffle4x128(odd07, odd815, 0b11_01_11_01).Store(targets[12]);
    }
}
