using System.Globalization;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// The one tolerance every numerical test uses:
/// max |actual - expected| &lt;= 1e-4 * max(1, max |expected|).
/// Float32 accumulation over the reduction lengths tested here (K up to a few hundred, values in [-1, 1))
/// errs by about 1e-6 relative to the output's scale; 1e-4 leaves a wide margin for different summation
/// orders (ORT's MLAS, the blocked kernels) while any indexing, padding or epilogue bug moves outputs by O(1).
/// Scaling by the largest expected magnitude, not per element, keeps outputs near zero from failing on noise.
/// </summary>
internal static class OutputComparison
{
    public const double RelativeTolerance = 1e-4;

    /// <summary>Fails with the worst element, its value on both sides and <paramref name="context"/>.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, string context)
    {
        Assert.True(expected.Length == actual.Length,
            $"{context}: {actual.Length} values, expected {expected.Length}");
        double scale = 1.0;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        double tolerance = RelativeTolerance * scale;

        double worst = 0.0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            // NaN (an element never written, or a poisoned one) must fail, and NaN compares false.
            if (double.IsNaN(error)) error = double.PositiveInfinity;
            if (error > worst)
            {
                worst = error;
                worstIndex = i;
            }
        }
        if (worst <= tolerance) return;
        int bad = 0;
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance)) bad++;
        Assert.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{context}: max |actual - expected| = {worst:G6} at index {worstIndex} (actual {actual[worstIndex]:G9}, expected {expected[worstIndex]:G9}), " +
            $"tolerance {tolerance:G6}; {bad} of {expected.Length} elements out of tolerance"));
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        var widened = new double[expected.Length];
        for (int i = 0; i < expected.Length; i++) widened[i] = expected[i];
        AssertClose(widened, actual, context);
    }
}
