using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// B^T of one of <see cref="WinogradTiles"/>' forms applied to a column (or row) of a tile's patch: <see cref="Side"/>
/// vectors of 16 channels read <c>sourceStride</c> floats apart, the same number written <c>targetStride</c> apart. One
/// struct per set of points, so that the loop over patches is compiled once for each with the transform inlined.
/// </summary>
internal unsafe interface IWinogradPatch
{
    /// <summary>The patch's side: the points of the transform.</summary>
    static abstract int Side { get; }

    /// <summary>Operations of one application (a fused multiply-add counted as two).</summary>
    static abstract int Operations { get; }

    static abstract void Apply(float* source, nint sourceStride, float* target, nint targetStride);
}

/// <summary>
/// Points 0, 1, -1, 2, -2 and infinity, F(2 x 2, 5 x 5)'s and F(4 x 4, 3 x 3)'s: B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0;
/// 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1] (22 operations).
/// </summary>
internal readonly unsafe struct SixPoints : IWinogradPatch
{
    public static int Side => 6;
    public static int Operations => 22;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(float* source, nint sourceStride, float* target, nint targetStride)
    {
        var d0 = Vector512.Load(source);
        var d1 = Vector512.Load(source + sourceStride);
        var d2 = Vector512.Load(source + 2 * sourceStride);
        var d3 = Vector512.Load(source + 3 * sourceStride);
        var d4 = Vector512.Load(source + 4 * sourceStride);
        var d5 = Vector512.Load(source + 5 * sourceStride);
        var four = Vector512.Create(4f);
        var five = Vector512.Create(5f);
        var two = Vector512.Create(2f);
        Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(-five, d2, d4)).Store(target);
        Vector512.FusedMultiplyAdd(-four, d1 + d2, d3 + d4).Store(target + targetStride);
        Vector512.FusedMultiplyAdd(four, d1 - d2, d4 - d3).Store(target + 2 * targetStride);
        var even = d4 - d2;
        var odd = d3 - d1;
        Vector512.FusedMultiplyAdd(two, odd, even).Store(target + 3 * targetStride);
        Vector512.FusedMultiplyAdd(-two, odd, even).Store(target + 4 * targetStride);
        Vector512.FusedMultiplyAdd(four, d1, Vector512.FusedMultiplyAdd(-five, d3, d5)).Store(target + 5 * targetStride);
    }
}

/// <summary>
/// Points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity, F(4 x 4, 5 x 5)'s: B^T = [-1 0 21/4 0 -21/4 0 1 0;
/// 0 1 1 -17/4 -17/4 1 1 0; 0 -1 1 17/4 -17/4 -1 1 0; 0 1/2 1/4 -5/2 -5/4 2 1 0; 0 -1/2 1/4 5/2 -5/4 -2 1 0;
/// 0 2 4 -5/2 -5 1/2 1 0; 0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1] (38 operations: the rows in pairs of an even
/// and an odd part, their sum and difference).
/// </summary>
internal readonly unsafe struct EightPoints : IWinogradPatch
{
    public static int Side => 8;
    public static int Operations => 38;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(float* source, nint sourceStride, float* target, nint targetStride)
    {
        var d0 = Vector512.Load(source);
        var d1 = Vector512.Load(source + sourceStride);
        var d2 = Vector512.Load(source + 2 * sourceStride);
        var d3 = Vector512.Load(source + 3 * sourceStride);
        var d4 = Vector512.Load(source + 4 * sourceStride);
        var d5 = Vector512.Load(source + 5 * sourceStride);
        var d6 = Vector512.Load(source + 6 * sourceStride);
        var d7 = Vector512.Load(source + 7 * sourceStride);
        var outer = Vector512.Create(5.25f);
        Vector512.FusedMultiplyAdd(outer, d2 - d4, d6 - d0).Store(target);
        Vector512.FusedMultiplyAdd(outer, d3 - d5, d7 - d1).Store(target + 7 * targetStride);
        var inner = Vector512.Create(-4.25f);
        var even = Vector512.FusedMultiplyAdd(inner, d4, d2 + d6);
        var odd = Vector512.FusedMultiplyAdd(inner, d3, d1 + d5);
        (even + odd).Store(target + targetStride);
        (even - odd).Store(target + 2 * targetStride);
        even = Vector512.FusedMultiplyAdd(Vector512.Create(-1.25f), d4, Vector512.FusedMultiplyAdd(Vector512.Create(0.25f), d2, d6));
        odd = Vector512.FusedMultiplyAdd(Vector512.Create(0.5f), d1, Vector512.FusedMultiplyAdd(Vector512.Create(-2.5f), d3, d5 + d5));
        (even + odd).Store(target + 3 * targetStride);
        (even - odd).Store(target + 4 * targetStride);
        even = Vector512.FusedMultiplyAdd(Vector512.Create(4f), d2, Vector512.FusedMultiplyAdd(Vector512.Create(-5f), d4, d6));
        odd = Vector512.FusedMultiplyAdd(Vector512.Create(2f), d1, Vector512.FusedMultiplyAdd(Vector512.Create(-2.5f), d3, Vector512.Create(0.5f) * d5));
        (even + odd).Store(target + 5 * targetStride);
        (even - odd).Store(target + 6 * targetStride);
    }
}
