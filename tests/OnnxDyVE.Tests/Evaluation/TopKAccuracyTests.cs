using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Tests.Evaluation;

public sealed class TopKAccuracyTests
{
    [Fact]
    public void Ranks_the_label_among_the_scores()
    {
        var accuracy = new TopKAccuracy();
        float[] scores = [0.1f, 0.9f, 0.3f, 0.5f, 0.2f, 0.8f, 0.7f];
        accuracy.Add(scores, 1); // best: top-1 and top-5
        accuracy.Add(scores, 2); // 5th best (0.9, 0.8, 0.7, 0.5 above): top-5 only
        accuracy.Add(scores, 4); // 6th: neither
        Assert.Equal((3, 1, 2), (accuracy.Count, accuracy.Top1Hits, accuracy.Top5Hits));
        Assert.Equal(100.0 / 3, accuracy.Top1Percent, 10);
    }

    [Fact]
    public void Ties_favour_the_label_and_a_NaN_label_score_misses()
    {
        var accuracy = new TopKAccuracy();
        accuracy.Add([1f, 1f, 0f], 1);
        accuracy.Add([float.NaN, 1f, 0f], 0);
        Assert.Equal((1, 1), (accuracy.Top1Hits, accuracy.Top5Hits));
    }

    [Fact]
    public void A_label_outside_the_classes_is_an_error()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TopKAccuracy().Add([1f, 2f], 2));
        Assert.Contains("2 classes", error.Message);
    }
}
