namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// SDSS's sampling grid over an output map: the positions whose row and column are both even are computed
/// first; every other position is interpolated from its grid neighbours or computed too. Pure geometry, shared
/// by the kernel and its tests.
/// </summary>
/// <remarks>
/// Along one axis an even coordinate c is on the grid (weight 1). An odd c lies between grid coordinates c - 1
/// and c + 1 (weights 1/2 each); at the far edge of an even-length axis, where c + 1 does not exist, it takes
/// the value of c - 1 and c - 3 joins only to judge the spread (a flat edge is extrapolated, a sloped one is
/// computed). A position's neighbours are the product of its two axes' sets: two for an off-grid row or
/// column, four (bilinear) for a position off the grid in both.
/// </remarks>
public readonly record struct SampledGrid(int Height, int Width)
{
    public int GridHeight => (Height + 1) / 2;
    public int GridWidth => (Width + 1) / 2;
    public int Count => GridHeight * GridWidth;

    public static bool OnGrid(int y, int x) => ((y | x) & 1) == 0;

    /// <summary>The grid coordinates along one axis that position <paramref name="c"/> reads, with the weights of its interpolation.</summary>
    internal static AxisNeighbours Axis(int c, int length)
    {
        if ((c & 1) == 0) return new AxisNeighbours(1, c / 2, 1f, 0, 0f);
        if (c + 1 < length) return new AxisNeighbours(2, (c - 1) / 2, 0.5f, (c + 1) / 2, 0.5f);
        return c >= 3 ? new AxisNeighbours(2, (c - 1) / 2, 1f, (c - 3) / 2, 0f) : new AxisNeighbours(1, (c - 1) / 2, 1f, 0, 0f);
    }
}

/// <summary>One or two grid coordinates along an axis and their interpolation weights (a weight may be 0: spread only).</summary>
internal readonly record struct AxisNeighbours(int Count, int First, float FirstWeight, int Second, float SecondWeight)
{
    public int At(int i) => i == 0 ? First : Second;
    public float WeightAt(int i) => i == 0 ? FirstWeight : SecondWeight;
}
