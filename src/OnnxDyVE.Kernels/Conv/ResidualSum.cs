using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A residual block's sum after its convolution (<see cref="ConvSpec.Residual"/>): output = activation(output + residual)
/// over a task's stretch of blocked maps, while the tiles' results are still in L1. What ORT's Add and Relu did in two
/// passes over memory after the convolution (ResNet18: 0.32 ms of 23.6 in ORT's profiler).
/// </summary>
internal static unsafe class ResidualSum
{
    /// <param name="length">Floats: a task's stretch of positions of whole blocks, or one position's channels of a block.</param>
    public static void Apply(float* output, float* residual, nint length, Activation activation, SimdPath path)
    {
        var run = new ApplyWork(output, residual, length, activation);
        SimdDispatch.Run(path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct ApplyWork(float* output, float* residual, nint length, Activation activation) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => Apply<TLane, TVec>(output, residual, length, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TLane, TVec>(float* output, float* residual, nint length, Activation activation)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        nint i = 0;
        for (; i + TLane.Count <= length; i += TLane.Count)
            TLane.Store(activation.Apply<TLane, TVec>(TLane.Add(TLane.Load(ref output[i]), TLane.Load(ref residual[i]))), ref output[i]);
        for (; i < length; i++) output[i] = activation.Apply(output[i] + residual[i]);
    }
}
