namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="CalibrationPass"/>'s agreements over the images from a first one on, as the held-out check counts them:
/// answers the tuning images kept say nothing of the held-out ones.
/// </summary>
public sealed class CalibrationPassTests
{
    /// <summary>A pass of these answers, each leading by <paramref name="lead"/> of an output of norm 1.</summary>
    private static CalibrationPass Pass(int[] predictions, double lead) =>
        new(null, predictions, [.. predictions.Select(_ => new ClassLead(lead, 1))], []);

    [Fact]
    public void Agreement_counts_the_images_from_the_first_on()
    {
        CalibrationPass reference = Pass([0, 1, 2, 3, 4, 5, 6, 7], 1);
        // Image 7 changed: 7 of 8 overall, 1 of 2 from image 6 on, all of the first 7 images' pass.
        CalibrationPass pass = Pass([0, 1, 2, 3, 4, 5, 6, 0], 1);
        Assert.Equal(87.5, pass.Agreement(reference));
        Assert.Equal(50, pass.Agreement(reference, first: 6));
        Assert.Equal(0, pass.Agreement(reference, first: 7));
        Assert.Equal(100, pass.Agreement(reference, first: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => pass.Agreement(reference, first: -1));
    }

    [Fact]
    public void A_pass_over_fewer_images_than_the_reference_is_compared_with_its_first_ones()
    {
        CalibrationPass reference = Pass([3, 3, 3, 3], 1);
        Assert.Equal(0, Pass([3, 2], 1).Agreement(reference, first: 1));
        Assert.Equal(100, Pass([3, 3], 1).Agreement(reference, first: 1));
    }

    [Fact]
    public void Cautious_agreement_is_held_to_the_held_out_images_answers()
    {
        // The cifar10_full case in small: the tuning images (0-5) kept every answer; held-out image 6, whose margin was
        // the smallest (0.1), changed with a loss of 0.15, above its own margin alone. The margins expect 1 pair in 16
        // lost from image 6 on (93.75%); its answers show 1 in 2.
        var leads = Enumerable.Range(0, 8).Select(i => new ClassLead(i == 6 ? 0.1 : 1, 1)).ToArray();
        CalibrationPass reference = new(null, [0, 1, 2, 3, 4, 5, 6, 7], leads, []);
        CalibrationPass pass = new(null, [0, 1, 2, 3, 4, 5, 0, 7],
            [.. Enumerable.Range(0, 8).Select(i => new ClassLead(i == 6 ? -0.05 : 1, 1))], []);
        Assert.Equal(93.75, pass.ExpectedAgreement(reference, firstLoss: 6), 9);
        Assert.Equal(50, pass.CautiousAgreement(reference, first: 6));
        Assert.Equal(87.5, pass.CautiousAgreement(reference));
    }
}
