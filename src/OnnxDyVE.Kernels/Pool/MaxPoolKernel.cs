using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Pool;

/// <summary>
/// Max pooling over blocked maps: a position's 16 channels are one line, so a window's maximum is a vector maximum per
/// tap, for all 16 channels at once (as ORT's NCHWc pool does). Tasks are (image, block of channels); the output is
/// blocked, or planar for a reader outside the blocked layout.
/// </summary>
public sealed unsafe class MaxPoolKernel(MaxPoolSpec spec, SimdPath path)
{
    private const int Block = BlockedMaps.Block;

    public MaxPoolSpec Spec { get; } = Validated(spec);
    public SimdPath Path { get; } = path;

    private static MaxPoolSpec Validated(MaxPoolSpec spec)
    {
        spec.Validate();
        return spec;
    }

    /// <summary>A run over a batch of blocked inputs of <see cref="MaxPoolSpec.Channels"/> channels.</summary>
    public MaxPoolWork Plan(int batch, int height, int width)
    {
        if (batch <= 0) throw new ArgumentException($"batch must be positive, got {batch}");
        (int outHeight, int outWidth) = Spec.OutputSize(height, width);
        return new MaxPoolWork(batch, Spec.Channels, height, width, outHeight, outWidth);
    }

    /// <summary>Task <paramref name="task"/> of <see cref="MaxPoolWork.TaskCount"/>: one block of channels of one image.</summary>
    public void RunTask(in MaxPoolWork work, float* input, float* output, int task)
    {
        switch (Path)
        {
            case SimdPath.Vector512:
                RunTask<Lane512, Vector512<float>>(work, input, output, task);
                break;
            case SimdPath.Vector256:
                RunTask<Lane256, Vector256<float>>(work, input, output, task);
                break;
            case SimdPath.Vector128:
                RunTask<Lane128, Vector128<float>>(work, input, output, task);
                break;
            default:
                RunTask<LaneScalar, float>(work, input, output, task);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in MaxPoolWork work, float* input, float* output, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int blocks = BlockedMaps.Blocks(work.Channels);
        int image = task / blocks, block = task - image * blocks;
        nint inMap = (nint)work.Height * work.Width, outMap = (nint)work.OutputHeight * work.OutputWidth;
        float* source = input + ((nint)image * blocks + block) * inMap * Block;
        bool blocked = Spec.OutputLayout == MapLayout.Blocked;
        // Planar output: this block's channels of the image, each its own map.
        int lanes = Math.Min(Block, work.Channels - block * Block);
        float* target = blocked ? output + ((nint)image * blocks + block) * outMap * Block
            : output + ((nint)image * work.Channels + block * Block) * outMap;
        // Planar output: windows gather position-major in the spill, then go to their maps transposed in registers.
        float* spill = stackalloc float[SpillPositions * Block];
        int kernelWidth = Spec.KernelWidth, stride = Spec.StrideWidth;
        for (int oy = 0; oy < work.OutputHeight; oy++)
        {
            int y0 = oy * Spec.StrideHeight - Spec.PadTop;
            int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + Spec.KernelHeight, work.Height);
            float* rows = source + (nint)yStart * work.Width * Block;
            nint rowCount = yEnd - yStart, rowStep = (nint)work.Width * Block;
            nint rowStart = (nint)oy * work.OutputWidth;
            if (Sse.IsSupported)
            {
                // The rows the next output row adds, asked for a row ahead: with the hardware prefetcher alone the pools
                // read their maps from L3 at 0.75x-0.85x of ORT's speed (pool4 0.072-0.080 ms, 0.056-0.059 with this).
                nint first = Math.Min(yEnd, work.Height), last = Math.Min(yEnd + Spec.StrideHeight, work.Height);
                byte* ahead = (byte*)(source + first * rowStep);
                for (nint b = 0, bytes = (last - first) * rowStep * sizeof(float); b < bytes; b += 64) Sse.Prefetch0(ahead + b);
            }
            int ox = 0, spilled = 0;
            while (ox < work.OutputWidth)
            {
                int x0 = ox * stride - Spec.PadLeft;
                float* to = blocked ? target + (rowStart + ox) * Block : spill + spilled * Block;
                int count;
                if (ox + Group <= work.OutputWidth && x0 >= 0 && x0 + (Group - 1) * stride + kernelWidth <= work.Width)
                {
                    // Interior windows, four at a time: four independent maximum chains instead of one.
                    FourWindows<TLane, TVec>(rows + (nint)x0 * Block, rowCount, rowStep, kernelWidth, stride * Block, to);
                    count = Group;
                }
                else
                {
                    int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + kernelWidth, work.Width);
                    OneWindow<TLane, TVec>(rows + (nint)xStart * Block, rowCount, rowStep, xEnd - xStart, to);
                    count = 1;
                }
                ox += count;
                if (blocked) continue;
                spilled += count;
                if (spilled + Group > SpillPositions || ox == work.OutputWidth)
                {
                    ChannelMaps.Store(spill, Block, spilled, lanes, target + rowStart + ox - spilled, outMap, Path);
                    spilled = 0;
                }
            }
        }
    }

    /// <summary>Planar output's windows gathered before a transposed store: a 4 KB spill, rows of 64 positions at once.</summary>
    private const int SpillPositions = 64;

    /// <summary>Output positions a row computes together where their windows lie inside the input.</summary>
    private const int Group = 4;

    /// <summary>The maximum over <paramref name="rowCount"/> rows of <paramref name="columns"/> positions from <paramref name="window"/>, per channel of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneWindow<TLane, TVec>(float* window, nint rowCount, nint rowStep, int columns, float* to)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        for (int part = 0; part < Block; part += TLane.Count)
        {
            TVec best = TLane.Broadcast(float.NegativeInfinity);
            for (nint y = 0; y < rowCount; y++)
            {
                float* row = window + y * rowStep + part;
                for (int x = 0; x < columns; x++, row += Block)
                    best = TLane.Max(best, TLane.Load(ref *row));
            }
            TLane.Store(best, ref to[part]);
        }
    }

    /// <summary>Four windows whose first columns lie <paramref name="step"/> floats apart, all inside the input, stored to four consecutive blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourWindows<TLane, TVec>(float* window, nint rowCount, nint rowStep, int columns, nint step, float* to)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        for (int part = 0; part < Block; part += TLane.Count)
        {
            TVec lowest = TLane.Broadcast(float.NegativeInfinity);
            TVec b0 = lowest, b1 = lowest, b2 = lowest, b3 = lowest;
            for (nint y = 0; y < rowCount; y++)
            {
                float* row = window + y * rowStep + part;
                for (int x = 0; x < columns; x++, row += Block)
                {
                    b0 = TLane.Max(b0, TLane.Load(ref *row));
                    b1 = TLane.Max(b1, TLane.Load(ref *(row + step)));
                    b2 = TLane.Max(b2, TLane.Load(ref *(row + 2 * step)));
                    b3 = TLane.Max(b3, TLane.Load(ref *(row + 3 * step)));
                }
            }
            TLane.Store(b0, ref to[part]);
            TLane.Store(b1, ref to[Block + part]);
            TLane.Store(b2, ref to[2 * Block + part]);
            TLane.Store(b3, ref to[3 * Block + part]);
        }
    }
}

/// <summary>A max-pool run: the input's size and the output's; <see cref="TaskCount"/> tasks of one block of one image.</summary>
public readonly record struct MaxPoolWork(int Batch, int Channels, int Height, int Width, int OutputHeight, int OutputWidth)
{
    public int TaskCount => Batch * BlockedMaps.Blocks(Channels);
}
