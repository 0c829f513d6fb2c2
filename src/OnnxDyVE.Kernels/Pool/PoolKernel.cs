using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Pool;

/// <summary>
/// Max and average pooling over blocked maps: a position's 16 channels are one line, so a window's maximum (or sum) is a
/// vector maximum (or sum) per tap, for all 16 channels at once (as ORT's NCHWc pool does). Tasks are (image, block of
/// channels); the output is blocked, or planar for a reader outside the blocked layout.
/// </summary>
public sealed unsafe class PoolKernel(PoolSpec spec, SimdPath path) : IMapTasks<PoolWork>
{
    private const int Block = BlockedMaps.Block;

    public PoolSpec Spec { get; } = Validated(spec);
    public SimdPath Path { get; } = path;

    private static PoolSpec Validated(PoolSpec spec)
    {
        spec.Validate();
        return spec;
    }

    /// <summary>A run over a batch of blocked inputs of <see cref="PoolSpec.Channels"/> channels.</summary>
    public PoolWork Plan(int batch, int height, int width)
    {
        if (batch <= 0) throw new ArgumentException($"batch must be positive, got {batch}");
        (int outHeight, int outWidth) = Spec.OutputSize(height, width);
        return new PoolWork(batch, Spec.Channels, height, width, outHeight, outWidth);
    }

    /// <summary>Task <paramref name="task"/> of <see cref="PoolWork.TaskCount"/>: one block of channels of one image.</summary>
    public void RunTask(in PoolWork work, float* input, float* output, int task)
    {
        var run = new TaskWork(this, work, input, output, task);
        SimdDispatch.Run(Path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(PoolKernel kernel, PoolWork work, float* input, float* output, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, input, output, task);
    }

    private void RunTask<TLane, TVec>(in PoolWork work, float* input, float* output, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        if (Spec.Kind == PoolKind.Max) RunTask<TLane, TVec, MaxWindows>(work, input, output, task);
        else RunTask<TLane, TVec, SumWindows>(work, input, output, task);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec, TWindows>(in PoolWork work, float* input, float* output, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
        where TWindows : struct, IWindowReduction
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
            // An average's divisor is rows x columns counted: the kernel's with count_include_pad (floor rounding keeps
            // every window inside the pads), else the input's a window covers.
            int countedRows = Spec.CountIncludePad ? Spec.KernelHeight : yEnd - yStart;
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
                    // Interior windows, four at a time: four independent chains instead of one.
                    FourWindows<TLane, TVec, TWindows>(rows + (nint)x0 * Block, rowCount, rowStep, kernelWidth, stride * Block, countedRows * kernelWidth, to);
                    count = Group;
                }
                else
                {
                    int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + kernelWidth, work.Width);
                    int countedColumns = Spec.CountIncludePad ? kernelWidth : xEnd - xStart;
                    OneWindow<TLane, TVec, TWindows>(rows + (nint)xStart * Block, rowCount, rowStep, xEnd - xStart, countedRows * countedColumns, to);
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

    /// <summary>
    /// The window of <paramref name="rowCount"/> rows of <paramref name="columns"/> positions from <paramref name="window"/>,
    /// per channel of the block; an average divides by <paramref name="counted"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneWindow<TLane, TVec, TWindows>(float* window, nint rowCount, nint rowStep, int columns, int counted, float* to)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
        where TWindows : struct, IWindowReduction
    {
        for (int part = 0; part < Block; part += TLane.Count)
        {
            TVec taken = TWindows.Start<TLane, TVec>();
            for (nint y = 0; y < rowCount; y++)
            {
                float* row = window + y * rowStep + part;
                for (int x = 0; x < columns; x++, row += Block)
                    taken = TWindows.Take<TLane, TVec>(taken, TLane.Load(ref *row));
            }
            TLane.Store(TWindows.Finish<TLane, TVec>(taken, counted), ref to[part]);
        }
    }

    /// <summary>Four windows whose first columns lie <paramref name="step"/> floats apart, all inside the input, stored to four consecutive blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourWindows<TLane, TVec, TWindows>(float* window, nint rowCount, nint rowStep, int columns, nint step, int counted, float* to)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
        where TWindows : struct, IWindowReduction
    {
        for (int part = 0; part < Block; part += TLane.Count)
        {
            TVec b0 = TWindows.Start<TLane, TVec>(), b1 = b0, b2 = b0, b3 = b0;
            for (nint y = 0; y < rowCount; y++)
            {
                float* row = window + y * rowStep + part;
                for (int x = 0; x < columns; x++, row += Block)
                {
                    b0 = TWindows.Take<TLane, TVec>(b0, TLane.Load(ref *row));
                    b1 = TWindows.Take<TLane, TVec>(b1, TLane.Load(ref *(row + step)));
                    b2 = TWindows.Take<TLane, TVec>(b2, TLane.Load(ref *(row + 2 * step)));
                    b3 = TWindows.Take<TLane, TVec>(b3, TLane.Load(ref *(row + 3 * step)));
                }
            }
            TLane.Store(TWindows.Finish<TLane, TVec>(b0, counted), ref to[part]);
            TLane.Store(TWindows.Finish<TLane, TVec>(b1, counted), ref to[Block + part]);
            TLane.Store(TWindows.Finish<TLane, TVec>(b2, counted), ref to[2 * Block + part]);
            TLane.Store(TWindows.Finish<TLane, TVec>(b3, counted), ref to[3 * Block + part]);
        }
    }

    /// <summary>What a pool does with a window's values, as a type the JIT specialises the traversal for.</summary>
    private interface IWindowReduction
    {
        static abstract TVec Start<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct;
        static abstract TVec Take<TLane, TVec>(TVec taken, TVec value) where TLane : struct, ISimdLane<TVec> where TVec : struct;
        static abstract TVec Finish<TLane, TVec>(TVec taken, int counted) where TLane : struct, ISimdLane<TVec> where TVec : struct;
    }

    /// <summary>The largest value, from minus infinity (a padded position never wins).</summary>
    private readonly struct MaxWindows : IWindowReduction
    {
        public static TVec Start<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => TLane.Broadcast(float.NegativeInfinity);
        public static TVec Take<TLane, TVec>(TVec taken, TVec value) where TLane : struct, ISimdLane<TVec> where TVec : struct => TLane.Max(taken, value);
        public static TVec Finish<TLane, TVec>(TVec taken, int counted) where TLane : struct, ISimdLane<TVec> where TVec : struct => taken;
    }

    /// <summary>The sum, divided by the positions counted (a division, as ONNX defines the average, not a reciprocal's product).</summary>
    private readonly struct SumWindows : IWindowReduction
    {
        public static TVec Start<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => TLane.Zero;
        public static TVec Take<TLane, TVec>(TVec taken, TVec value) where TLane : struct, ISimdLane<TVec> where TVec : struct => TLane.Add(taken, value);
        public static TVec Finish<TLane, TVec>(TVec taken, int counted) where TLane : struct, ISimdLane<TVec> where TVec : struct =>
            TLane.Divide(taken, TLane.Broadcast(counted));
    }
}

/// <summary>A pool's run: the input's size and the output's; <see cref="TaskCount"/> tasks of one block of one image.</summary>
public readonly record struct PoolWork(int Batch, int Channels, int Height, int Width, int OutputHeight, int OutputWidth)
{
    public int TaskCount => Batch * BlockedMaps.Blocks(Channels);
}
