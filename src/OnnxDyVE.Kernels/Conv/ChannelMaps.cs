using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Moves position-major results (a row of channels per output position, as position tiles make them) into NCHW
/// channel maps. Element by element this costs a load and a store per output, a fifth of a 7x7 stride-2 layer's time
/// (SqueezeNet's conv1, K = 147); square blocks transposed in registers (8 x 8 with AVX, 4 x 4 with SSE or NEON)
/// move a vector per store instead.
/// </summary>
internal static unsafe class ChannelMaps
{
    /// <summary>
    /// How far ahead (floats) the 8 x 8 path asks for the maps' next lines. Each block of eight channels writes eight
    /// maps front to back, and a map's lines are rarely in cache inside a network (SqueezeNet's conv1 writes 4.7 MB):
    /// asking four lines ahead made position tiles 1.06x-1.27x faster with the caches flushed before each run (conv1
    /// 1.24x) and 1.04x-1.09x warm; 32 or 128 floats ahead did the same. Inside SqueezeNet (ORT's profiler, 1 thread):
    /// conv1 3.69 -> 3.45-3.53 ms, the 3x3 expands together 2%-4% faster.
    /// </summary>
    private const int PrefetchAhead = 64;

    /// <summary>
    /// maps[c * mapStride + i] = values[i * valuesLdc + c] for positions i &lt; <paramref name="positions"/> and channels
    /// c &lt; <paramref name="channels"/>, transposing in registers as wide as <paramref name="path"/> allows. A block of
    /// channels walks all positions before the next, so each map is written front to back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store(float* values, nint valuesLdc, int positions, int channels, float* maps, nint mapStride, SimdPath path)
    {
        int c = 0;
        if (path >= SimdPath.Vector256 && Avx.IsSupported)
        {
            // Masked stores on the widest path only, so that the narrower paths' tests cover the scalar remainder.
            bool masked = path >= SimdPath.Vector512 && Avx512F.VL.IsSupported;
            for (; c + 8 <= channels; c += 8) Store8(values + c, valuesLdc, positions, maps + c * mapStride, mapStride, masked);
        }
        if (path >= SimdPath.Vector128 && (Sse.IsSupported || AdvSimd.Arm64.IsSupported))
            for (; c + 4 <= channels; c += 4) Store4(values + c, valuesLdc, positions, maps + c * mapStride, mapStride);
        StoreScalar(values, valuesLdc, 0, positions, c, channels, maps, mapStride);
    }

    /// <summary>
    /// Eight channels: 8 x 8 blocks of positions; the positions past the last whole block as one more block, stored
    /// through a mask where AVX-512 has one (a 13-position row, as SqueezeNet's conv10 writes, left 5 of its 13 to
    /// scalar stores), else one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Store8(float* values, nint ldv, int positions, float* maps, nint mapStride, bool masked)
    {
        int i = 0;
        for (; i + 8 <= positions; i += 8)
        {
            float* m = maps + i;
            if ((i & 15) == 0)
                for (int r = 0; r < 8; r++) Sse.Prefetch0(m + r * mapStride + PrefetchAhead);
            Transpose8(values + i * ldv, ldv, 8, m, mapStride);
        }
        if (i < positions && masked)
            Transpose8(values + i * ldv, ldv, positions - i, maps + i, mapStride);
        else
            StoreScalar(values, ldv, i, positions, 0, 8, maps, mapStride);
    }

    /// <summary>
    /// <paramref name="rows"/> (at most 8) rows of eight channels, <paramref name="ldv"/> apart, into the first
    /// <paramref name="rows"/> positions of eight maps. Rows past them repeat the last: read and transposed, never
    /// stored (a partial block needs AVX-512's masked stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(float* v, nint ldv, int rows, float* m, nint mapStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(v), r1 = Avx.LoadVector256(v + Math.Min(1, rows - 1) * ldv);
        Vector256<float> r2 = Avx.LoadVector256(v + Math.Min(2, rows - 1) * ldv), r3 = Avx.LoadVector256(v + Math.Min(3, rows - 1) * ldv);
        Vector256<float> r4 = Avx.LoadVector256(v + Math.Min(4, rows - 1) * ldv), r5 = Avx.LoadVector256(v + Math.Min(5, rows - 1) * ldv);
        Vector256<float> r6 = Avx.LoadVector256(v + Math.Min(6, rows - 1) * ldv), r7 = Avx.LoadVector256(v + Math.Min(7, rows - 1) * ldv);
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped across.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> q4 = Avx.Shuffle(t4, t6, 0x44), q5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> q6 = Avx.Shuffle(t5, t7, 0x44), q7 = Avx.Shuffle(t5, t7, 0xEE);
        // A whole block (rows a constant 8 where inlined) stores plainly; a partial one through the mask of its rows.
        Vector256<float> keep = rows == 8 ? default : Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(rows)).AsSingle();
        StoreRow(m, Avx.Permute2x128(q0, q4, 0x20), rows, keep);
        StoreRow(m + mapStride, Avx.Permute2x128(q1, q5, 0x20), rows, keep);
        StoreRow(m + 2 * mapStride, Avx.Permute2x128(q2, q6, 0x20), rows, keep);
        StoreRow(m + 3 * mapStride, Avx.Permute2x128(q3, q7, 0x20), rows, keep);
        StoreRow(m + 4 * mapStride, Avx.Permute2x128(q0, q4, 0x31), rows, keep);
        StoreRow(m + 5 * mapStride, Avx.Permute2x128(q1, q5, 0x31), rows, keep);
        StoreRow(m + 6 * mapStride, Avx.Permute2x128(q2, q6, 0x31), rows, keep);
        StoreRow(m + 7 * mapStride, Avx.Permute2x128(q3, q7, 0x31), rows, keep);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* at, Vector256<float> row, int rows, Vector256<float> keep)
    {
        if (rows == 8) Avx.Store(at, row);
        else Avx512F.VL.MaskStore(at, keep, row);
    }

    /// <summary>Four channels: 4 x 4 blocks of positions, the positions past the last whole block one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Store4(float* values, nint ldv, int positions, float* maps, nint mapStride)
    {
        int i = 0;
        for (; i + 4 <= positions; i += 4)
        {
            float* v = values + i * ldv;
            (Vector128<float> o0, Vector128<float> o1, Vector128<float> o2, Vector128<float> o3) = Transpose4(
                Vector128.Load(v), Vector128.Load(v + ldv), Vector128.Load(v + 2 * ldv), Vector128.Load(v + 3 * ldv));
            float* m = maps + i;
            o0.Store(m);
            o1.Store(m + mapStride);
            o2.Store(m + 2 * mapStride);
            o3.Store(m + 3 * mapStride);
        }
        StoreScalar(values, ldv, i, positions, 0, 4, maps, mapStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Transpose4(
        Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3)
    {
        if (Sse.IsSupported)
        {
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackLow(r2, r3);
            Vector128<float> t2 = Sse.UnpackHigh(r0, r1), t3 = Sse.UnpackHigh(r2, r3);
            return (Sse.MoveLowToHigh(t0, t1), Sse.MoveHighToLow(t1, t0), Sse.MoveLowToHigh(t2, t3), Sse.MoveHighToLow(t3, t2));
        }
        // NEON: 32-bit pairs transposed, then 64-bit pairs.
        Vector128<ulong> e01 = AdvSimd.Arm64.TransposeEven(r0, r1).AsUInt64(), o01 = AdvSimd.Arm64.TransposeOdd(r0, r1).AsUInt64();
        Vector128<ulong> e23 = AdvSimd.Arm64.TransposeEven(r2, r3).AsUInt64(), o23 = AdvSimd.Arm64.TransposeOdd(r2, r3).AsUInt64();
        return (AdvSimd.Arm64.TransposeEven(e01, e23).AsSingle(), AdvSimd.Arm64.TransposeEven(o01, o23).AsSingle(),
            AdvSimd.Arm64.TransposeOdd(e01, e23).AsSingle(), AdvSimd.Arm64.TransposeOdd(o01, o23).AsSingle());
    }

    /// <summary>Positions [firstPosition, positions) of channels [firstChannel, channels), element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreScalar(float* values, nint ldv, int firstPosition, int positions, int firstChannel, int channels, float* maps, nint mapStride)
    {
        for (int c = firstChannel; c < channels; c++)
        {
            float* map = maps + c * mapStride;
            for (int i = firstPosition; i < positions; i++) map[i] = values[i * ldv + c];
        }
    }
}
