namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="NearEqualMaps"/> on hand-built maps of four values: which pairs are candidates, in which order, at which
/// difference.
/// </summary>
public sealed class NearEqualMapsTests
{
    private static readonly float[] Ramp = [1, 2, 3, 4];

    private static float[] Maps(params float[][] maps) => [.. maps.SelectMany(m => m)];

    private static float[] Plus(float[] map, float first) => [map[0] + first, .. map[1..]];

    [Fact]
    public void A_pair_below_both_deviations_is_a_candidate_at_its_rms_difference()
    {
        var maps = new NearEqualMaps(4, 4);
        // Ramp's deviation is sqrt(1.25); 0.2 added to one value is an RMS difference of 0.1. A constant map (deviation
        // 0) is folded before any threshold could merge it; the reversed ramp differs by sqrt(5), more than the deviation.
        maps.Add(Maps(Ramp, Plus(Ramp, 0.2f), [5, 5, 5, 5], [4, 3, 2, 1]));
        MapPair pair = Assert.Single(maps.Candidates(8));
        Assert.Equal((0, 1), (pair.First, pair.Second));
        Assert.Equal(0.1f, pair.Difference, 1e-6f);
    }

    [Fact]
    public void Pairs_are_disjoint_and_the_nearest_come_first()
    {
        var maps = new NearEqualMaps(4, 4);
        // RMS differences: (0, 2) and (1, 2) 0.05, (0, 1) 0.1, (1, 3) 0.15, (2, 3) 0.2, (0, 3) 0.25. The tie goes to the
        // lower channel: (0, 2), then (1, 3), as (1, 2) and (0, 1) reuse a paired channel.
        maps.Add(Maps(Ramp, Plus(Ramp, 0.2f), Plus(Ramp, 0.1f), Plus(Ramp, 0.5f)));
        Assert.Equal([(0, 2), (1, 3)], maps.Candidates(8).Select(p => (p.First, p.Second)));
        Assert.Equal([(0, 2)], maps.Candidates(1).Select(p => (p.First, p.Second)));
    }

    [Fact]
    public void The_difference_is_taken_at_the_quantile_over_images()
    {
        var maps = new NearEqualMaps(2, 4);
        maps.Add(Maps(Ramp, Plus(Ramp, 0.2f)));
        maps.Add(Maps(Ramp, Plus(Ramp, 0.4f)));
        maps.Add(Maps(Ramp, [4, 3, 2, 1]));
        Assert.Equal(0.1f, Assert.Single(maps.Candidates(8, quantile: 1.0 / 3)).Difference, 1e-6f);
        Assert.Equal(0.2f, Assert.Single(maps.Candidates(8, quantile: 2.0 / 3)).Difference, 1e-6f);
        // On the third image no threshold merges the pair.
        Assert.Empty(maps.Candidates(8, quantile: 1));
    }
}
