using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        float* spill = stackalloc float[Block];
        TVec lowest = TLane.Broadcast(float.NegativeInfinity);
        for (int oy = 0; oy < work.OutputHeight; oy++)
        {
            int y0 = oy * Spec.StrideHeight - Spec.PadTop;
            int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + Spec.KernelHeight, work.Height);
            for (int ox = 0; ox < work.OutputWidth; ox++)
            {
                int x0 = ox * Spec.StrideWidth - Spec.PadLeft;
                int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + Spec.KernelWidth, work.Width);
                nint position = (nint)oy * work.OutputWidth + ox;
                float* to = blocked ? target + position * Block : spill;
                for (int part = 0; part < Block; part += TLane.Count)
                {
                    TVec best = lowest;
                    for (int y = yStart; y < yEnd; y++)
                    {
                        float* row = source + ((nint)y * work.Width + xStart) * Block + part;
                        for (int x = xStart; x < xEnd; x++, row += Block)
                            best = TLane.Max(best, TLane.Load(ref *row));
                    }
                    TLane.Store(best, ref to[part]);
                }
                if (!blocked)
                    for (int lane = 0; lane < lanes; lane++) target[lane * outMap + position] = spill[lane];
            }
        }
    }
}

/// <summary>A max-pool run: the input's size and the output's; <see cref="TaskCount"/> tasks of one block of one image.</summary>
public readonly record struct MaxPoolWork(int Batch, int Channels, int Height, int Width, int OutputHeight, int OutputWidth)
{
    public int TaskCount => Batch * BlockedMaps.Blocks(Channels);
}
