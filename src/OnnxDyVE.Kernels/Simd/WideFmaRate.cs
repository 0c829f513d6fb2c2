using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Simd;

/// <summary>
/// How many 512-bit FMAs a core of this machine retires a cycle: one (AMD Zen 4, which runs them as two 256-bit halves;
/// Intel parts with one FMA unit) or two (Intel Xeon Gold and Platinum). CPUID does not say; timing does, as Intel's own
/// guidance for telling the two apart suggests. What a tile costs beyond its multiply-adds (loads and stores of its sums,
/// its list of taps) is the same number of cycles on both, but a position's dense work takes half as many where two FMAs
/// retire a cycle, so per unit of dense work it costs twice as much there.
/// </summary>
public static class WideFmaRate
{
    /// <summary>1 or 2; 1 where the process does not accelerate Vector512 (no 512-bit tiles run then).</summary>
    public static int PerCycle { get; } = Measure();

    /// <summary>
    /// Four dependent chains of FMAs retire one FMA a cycle on any core (latency 4); twelve retire one or two, whatever the
    /// core's rate. Their time per FMA, best of several tries (another process can only slow a try down), is about equal
    /// on a one-FMA core and about twice as long for the four chains on a two-FMA core. About a millisecond, once.
    /// </summary>
    private static int Measure()
    {
        if (!Vector512.IsHardwareAccelerated) return 1;
        const int iterations = 4096, tries = 15;
        long fourChains = long.MaxValue, twelveChains = long.MaxValue;
        float sink = 0;
        for (int i = 0; i < tries; i++)
        {
            long start = Stopwatch.GetTimestamp();
            sink += FourChains(iterations);
            long middle = Stopwatch.GetTimestamp();
            sink += TwelveChains(iterations);
            long end = Stopwatch.GetTimestamp();
            fourChains = Math.Min(fourChains, middle - start);
            twelveChains = Math.Min(twelveChains, end - middle);
        }
        // Per FMA: four chains do 4 a step, twelve 12 a step.
        double ratio = fourChains / 4.0 / (twelveChains / 12.0);
        return float.IsNaN(sink) || ratio < 1.5 ? 1 : 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FourChains(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.999f), a = Vector512.Create(1e-7f);
        Vector512<float> s0 = Vector512<float>.One, s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < iterations; i++)
        {
            s0 = Vector512.FusedMultiplyAdd(s0, m, a);
            s1 = Vector512.FusedMultiplyAdd(s1, m, a);
            s2 = Vector512.FusedMultiplyAdd(s2, m, a);
            s3 = Vector512.FusedMultiplyAdd(s3, m, a);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float TwelveChains(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.999f), a = Vector512.Create(1e-7f);
        Vector512<float> s0 = Vector512<float>.One, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0, s9 = s0, s10 = s0, s11 = s0;
        for (int i = 0; i < iterations; i++)
        {
            s0 = Vector512.FusedMultiplyAdd(s0, m, a);
            s1 = Vector512.FusedMultiplyAdd(s1, m, a);
            s2 = Vector512.FusedMultiplyAdd(s2, m, a);
            s3 = Vector512.FusedMultiplyAdd(s3, m, a);
            s4 = Vector512.FusedMultiplyAdd(s4, m, a);
            s5 = Vector512.FusedMultiplyAdd(s5, m, a);
            s6 = Vector512.FusedMultiplyAdd(s6, m, a);
            s7 = Vector512.FusedMultiplyAdd(s7, m, a);
            s8 = Vector512.FusedMultiplyAdd(s8, m, a);
            s9 = Vector512.FusedMultiplyAdd(s9, m, a);
            s10 = Vector512.FusedMultiplyAdd(s10, m, a);
            s11 = Vector512.FusedMultiplyAdd(s11, m, a);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11);
    }
}
