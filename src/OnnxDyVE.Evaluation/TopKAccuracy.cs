namespace OnnxDyVE.Evaluation;

/// <summary>Counts top-1 and top-5 hits over class scores, one image at a time.</summary>
public sealed class TopKAccuracy
{
    public int Count { get; private set; }
    public int Top1Hits { get; private set; }
    public int Top5Hits { get; private set; }

    public double Top1Percent => Count == 0 ? 0 : 100.0 * Top1Hits / Count;
    public double Top5Percent => Count == 0 ? 0 : 100.0 * Top5Hits / Count;

    /// <summary>
    /// Adds one image: its label's rank is the number of classes scoring strictly higher, so ties count in the
    /// label's favour, as Caffe's Accuracy layer does. A NaN score for the label is a miss.
    /// </summary>
    public void Add(ReadOnlySpan<float> scores, int label)
    {
        if ((uint)label >= (uint)scores.Length)
            throw new ArgumentOutOfRangeException(nameof(label), label, $"label {label} is outside the model's {scores.Length} classes");
        float target = scores[label];
        Count++;
        if (float.IsNaN(target)) return;
        int higher = 0;
        foreach (float score in scores)
            if (score > target) higher++;
        if (higher < 1) Top1Hits++;
        if (higher < 5) Top5Hits++;
    }

    /// <summary>Percentage of positions at which two lists of predicted classes agree (100 for none).</summary>
    public static double Agreement(IReadOnlyList<int> predictions, IReadOnlyList<int> reference)
    {
        if (predictions.Count != reference.Count) throw new ArgumentException($"{predictions.Count} predictions against {reference.Count}");
        int same = 0;
        for (int i = 0; i < predictions.Count; i++)
            if (predictions[i] == reference[i]) same++;
        return predictions.Count == 0 ? 100 : 100.0 * same / predictions.Count;
    }

    /// <summary>The first highest score's class; NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best] || float.IsNaN(scores[best])) best = i;
        return best;
    }
}
