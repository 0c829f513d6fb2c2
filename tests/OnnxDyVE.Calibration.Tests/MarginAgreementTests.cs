using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="MarginAgreement"/> on hand-built outputs, whose margins and losses are worked out in the comments, and
/// against a plain O(N^2) count over seeded random outputs.
/// </summary>
public sealed class MarginAgreementTests
{
    /// <summary>Expected agreement of whole outputs: each output's lead at its reference's top class, against the reference's own.</summary>
    private static double Expected(float[][] outputs, float[][] reference, int firstLoss = 0) =>
        MarginAgreement.Expected([.. outputs.Select((o, i) => ClassLead.Of(o, TopKAccuracy.ArgMax(reference[i])))],
            [.. reference.Select(r => ClassLead.Of(r, TopKAccuracy.ArgMax(r)))], firstLoss);

    [Fact]
    public void Outputs_equal_to_the_reference_are_expected_to_agree_everywhere() =>
        Assert.Equal(100, Expected([[1, 2, 3], [4, 0, 1]], [[1, 2, 3], [4, 0, 1]]));

    [Fact]
    public void Each_images_loss_is_paired_with_every_images_margin()
    {
        // Margins over the reference's norm (5 for both): image 0 (4 - 3) / 5 = 0.2, image 1 (5 - 0) / 5 = 1.
        float[][] reference = [[3, 4], [0, 0, 5]];
        // Image 0 ties (lead 0, loss 0.2): a loss not above any margin (strict) changes nothing.
        Assert.Equal(100, Expected([[3.5f, 3.5f], [0, 0, 5]], reference));
        // Image 1 keeps its answer with lead 3 / 5 (loss 0.4): above image 0's margin, so one pair in four changes.
        Assert.Equal(75, Expected([[3.5f, 3.5f], [0, 0, 3]], reference), 12);
        // Image 0 changes its answer (lead -1 / 5, loss 0.4): the pair (0, 0); not image 1's margin of 1.
        Assert.Equal(75, Expected([[4, 3], [0, 0, 5]], reference), 12);
    }

    [Fact]
    public void Only_the_losses_from_the_first_held_out_image_on_are_paired_with_every_margin()
    {
        float[][] reference = [[3, 4], [0, 0, 5]];
        // Image 0 changes its answer (loss 0.4) but is not counted from image 1 on; image 1 loses nothing.
        Assert.Equal(100, Expected([[4, 3], [0, 0, 5]], reference, firstLoss: 1));
        // Image 1 loses 0.4, above image 0's margin of 0.2: one of the two pairs (image 1's loss, each margin).
        Assert.Equal(50, Expected([[3.5f, 3.5f], [0, 0, 3]], reference, firstLoss: 1), 12);
        Assert.Equal(100, Expected([[4, 3], [0, 0, 1]], reference, firstLoss: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Expected([[4, 3]], reference, firstLoss: -1));
    }

    [Fact]
    public void A_nan_output_loses_against_every_margin()
    {
        Assert.Equal(50, Expected([[float.NaN, 1], [1, 2]], [[2, 1], [1, 2]]), 12);
    }

    [Fact]
    public void Only_as_many_reference_images_as_outputs_are_read() =>
        Assert.Equal(100, MarginAgreement.Expected([ClassLead.Of([1, 2], 1)], [ClassLead.Of([1, 2], 1), new ClassLead(double.NaN, 0)]));

    [Fact]
    public void A_reference_shorter_than_the_outputs_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => MarginAgreement.Expected([new ClassLead(1, 1), new ClassLead(1, 1)], [new ClassLead(1, 1)]));
        Assert.Contains("2 images", error.Message);
    }

    [Fact]
    public void A_lead_is_the_class_score_minus_the_best_other_and_nan_stays_nan()
    {
        Assert.Equal(new ClassLead(1, Math.Sqrt(9 + 16 + 1)), ClassLead.Of([3, 4, -1], 1));
        Assert.Equal(-1, ClassLead.Of([3, 4, -1], 0).Lead);
        Assert.Equal(0, ClassLead.Of([7], 0).Lead);
        Assert.True(double.IsNaN(ClassLead.Of([float.NaN, 1], 1).Lead));
    }

    [Theory]
    [InlineData(1, 1, 10)]
    [InlineData(2, 7, 10)]
    [InlineData(3, 40, 1000)]
    [InlineData(4, 100, 3)]
    public void Matches_a_plain_count_over_all_pairs(int seed, int images, int classes)
    {
        var random = new Random(seed);
        float[][] reference = [.. Enumerable.Range(0, images).Select(_ => Enumerable.Range(0, classes).Select(_ => (float)random.NextDouble()).ToArray())];
        float[][] outputs = [.. reference.Select(r => r.Select(v => v + 0.1f * (float)(random.NextDouble() - 0.5)).ToArray())];
        Assert.Equal(PlainCount(outputs, reference), Expected(outputs, reference), 9);
    }

    /// <summary>The definition, spelled out: every (i, j) pair compared directly.</summary>
    private static double PlainCount(float[][] outputs, float[][] reference)
    {
        int n = outputs.Length;
        double[] margin = new double[n], loss = new double[n];
        for (int i = 0; i < n; i++)
        {
            float[] r = reference[i], y = outputs[i];
            int top = 0;
            for (int k = 1; k < r.Length; k++) if (r[k] > r[top]) top = k;
            double norm = Math.Sqrt(r.Sum(v => (double)v * v));
            double refLead = r[top] - r.Where((_, k) => k != top).Select(v => (double)v).DefaultIfEmpty(r[top]).Max();
            double yLead = y[top] - y.Where((_, k) => k != top).Select(v => (double)v).DefaultIfEmpty(y[top]).Max();
            margin[i] = refLead / norm;
            loss[i] = margin[i] - yLead / norm;
        }
        int changed = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (loss[i] > margin[j]) changed++;
        return 100.0 * (1 - (double)changed / ((double)n * n));
    }
}
