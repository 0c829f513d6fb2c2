using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Position-major results moved into channel maps on every path: counts on both sides of the 8 x 8 and 4 x 4 blocks,
/// rows wider than the channels moved, and nothing written outside the maps.
/// </summary>
public sealed unsafe class ChannelMapsTests
{
    public static TheoryData<SimdPath> Paths() => new(KernelSpecs.AvailablePaths());

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_value_lands_in_its_map_and_nothing_else_is_written(SimdPath path)
    {
        var random = new Random(17);
        foreach (int positions in new[] { 0, 1, 3, 4, 7, 8, 9, 16, 23, 41 })
            foreach (int channels in new[] { 1, 3, 4, 5, 8, 12, 17, 32 })
            {
                int ldv = channels + random.Next(0, 9);
                int mapStride = positions + random.Next(0, 5);
                float[] values = Enumerable.Range(0, Math.Max(1, positions * ldv)).Select(i => (float)i + 0.5f).ToArray();
                const float untouched = -7f;
                float[] maps = Enumerable.Repeat(untouched, channels * mapStride + 1).ToArray();
                fixed (float* v = values)
                fixed (float* m = maps)
                    ChannelMaps.Store(v, ldv, positions, channels, m, mapStride, path);

                for (int c = 0; c < channels; c++)
                    for (int i = 0; i < mapStride; i++)
                    {
                        float expected = i < positions ? values[i * ldv + c] : untouched;
                        Assert.True(expected == maps[c * mapStride + i],
                            $"{path}, {positions} positions x {channels} channels: map {c} position {i} holds {maps[c * mapStride + i]}, expected {expected}");
                    }
                Assert.Equal(untouched, maps[^1]);
            }
    }
}
