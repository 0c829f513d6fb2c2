namespace OnnxDyVE.Calibration;

/// <summary>
/// What <see cref="MarginAgreement"/> needs of one image's output, kept instead of the output itself (a pass over
/// 500 images of a 1000-class model would keep 2 MB, a dense model's output far more): how far one class's score
/// leads the best other score (negative when behind), and the output's L2 norm.
/// </summary>
public readonly record struct ClassLead(double Lead, double Norm)
{
    /// <summary>The lead of class <paramref name="top"/> in <paramref name="scores"/> (0 for a single score); NaN scores give NaN.</summary>
    public static ClassLead Of(ReadOnlySpan<float> scores, int top)
    {
        double best = double.NegativeInfinity, norm = 0;
        for (int k = 0; k < scores.Length; k++)
        {
            norm += (double)scores[k] * scores[k];
            if (k != top) best = Math.Max(best, scores[k]);
        }
        return new ClassLead(scores.Length == 1 ? 0 : scores[top] - best, Math.Sqrt(norm));
    }
}
