using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Simd;

/// <summary>
/// A kernel's entry written once for every vector width: a struct holding the call's arguments, whose
/// <see cref="Run{TLane, TVec}"/> calls the kernel's generic body. The JIT specialises it per struct and lane, so the
/// call is direct.
/// </summary>
internal interface ISimdWork
{
    void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct;
}

/// <summary>The one switch from a kernel's <see cref="SimdPath"/> to the lane its generic body is instantiated with.</summary>
internal static class SimdDispatch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TWork>(SimdPath path, ref TWork work) where TWork : struct, ISimdWork
    {
        switch (path)
        {
            case SimdPath.Vector512:
                work.Run<Lane512, Vector512<float>>();
                break;
            case SimdPath.Vector256:
                work.Run<Lane256, Vector256<float>>();
                break;
            case SimdPath.Vector128:
                work.Run<Lane128, Vector128<float>>();
                break;
            default:
                work.Run<LaneScalar, float>();
                break;
        }
    }
}
