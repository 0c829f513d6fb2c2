using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Calibration;

/// <summary>A candidate pair of near-equal input maps, and how near: the RMS difference it merges at on a typical image.</summary>
public readonly record struct MapPair(int First, int Second, float Difference);

/// <summary>
/// One layer's input maps over calibration images, for SFMA's merged pairs: per image, each pair (i, j)'s RMS difference
/// where a threshold could merge it, that is where it is below both maps' standard deviations (at a threshold that
/// reaches a map's deviation, the map is folded into the bias instead, which leaves nothing to merge); elsewhere never.
/// </summary>
/// <param name="channels">C of the layer's input.</param>
/// <param name="plane">Values in one of its maps (H x W).</param>
public sealed class NearEqualMaps(int channels, int plane)
{
    private readonly List<float[]> _differences = [];

    public int Images => _differences.Count;

    private int PairCount => channels * (channels - 1) / 2;

    /// <summary>One image's maps (C x plane values).</summary>
    public void Add(ReadOnlySpan<float> maps)
    {
        if (maps.Length != channels * plane) throw new ArgumentException($"an image of {maps.Length} values, expected {channels} maps of {plane}");
        var deviations = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> map = maps.Slice(c * plane, plane);
            double mean = 0, squares = 0;
            foreach (float v in map) mean += v;
            mean /= plane;
            foreach (float v in map) squares += (v - mean) * (v - mean);
            deviations[c] = (float)Math.Sqrt(squares / plane);
        }
        var differences = new float[PairCount];
        int pair = 0;
        for (int i = 0; i < channels; i++)
            for (int j = i + 1; j < channels; j++, pair++)
            {
                float difference = MathF.Sqrt(MapDifference.SquaredSum(maps.Slice(i * plane, plane), maps.Slice(j * plane, plane)) / plane);
                differences[pair] = difference < Math.Min(deviations[i], deviations[j]) ? difference : float.PositiveInfinity;
            }
        _differences.Add(differences);
    }

    /// <summary>
    /// Up to <paramref name="count"/> disjoint pairs, those whose difference at <paramref name="quantile"/> over the images
    /// is smallest first (the threshold that merges them on that share of the images); pairs that would merge on fewer
    /// images than that share at any threshold are left out.
    /// </summary>
    public IReadOnlyList<MapPair> Candidates(int count, double quantile = 0.5)
    {
        if (!(quantile is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "a share of the images, in (0, 1]");
        if (Images == 0) return [];
        int rank = Math.Max(0, (int)Math.Ceiling(quantile * Images) - 1);
        var typical = new List<MapPair>();
        var values = new float[Images];
        int pair = 0;
        for (int i = 0; i < channels; i++)
            for (int j = i + 1; j < channels; j++, pair++)
            {
                for (int image = 0; image < Images; image++) values[image] = _differences[image][pair];
                Array.Sort(values);
                if (float.IsFinite(values[rank])) typical.Add(new MapPair(i, j, values[rank]));
            }
        var paired = new bool[channels];
        var chosen = new List<MapPair>();
        foreach (MapPair candidate in typical.OrderBy(p => p.Difference).ThenBy(p => p.First).ThenBy(p => p.Second))
        {
            if (chosen.Count == count) break;
            if (paired[candidate.First] || paired[candidate.Second]) continue;
            paired[candidate.First] = paired[candidate.Second] = true;
            chosen.Add(candidate);
        }
        return chosen;
    }
}
