namespace OnnxDyVE.Calibration;

/// <summary>
/// The top-1 agreement an approximation is expected to keep beyond the images it was measured on. On a few dozen
/// images, agreement moves in steps of several per cent, so a setting that keeps every answer there can still change
/// one in six elsewhere (ResNet18 calibrated on 24 images: 100% there, 76.5% on 200 test images). What the images
/// do resolve is how far each one's output moved towards a different answer, against how far each one was from it:
/// image i's margin m_i (the reference's top score minus its runner-up, over the output's norm) and the margin d_i
/// the approximation took from it. Image i changes its answer when d_i exceeds m_i; pairing every image's loss with
/// every image's margin estimates how often that happens on images like these, in steps of 1 / N^2:
/// expected disagreement = #{(i, j) : d_i &gt; m_j} / N^2 (the pairs i = j are the answers actually changed).
/// <para>
/// Settings chosen to keep the losses of some images small keep them smaller there than elsewhere (SqueezeNet:
/// 99.67% expected from the tuning images' losses, 99.0% from the held-out images', 98.6% measured on the test
/// set), so the held-out check pairs only the held-out images' losses with every image's margin: the margins are
/// the unmodified model's, which no choice can fit.
/// </para>
/// </summary>
public static class MarginAgreement
{
    /// <summary>
    /// Expected agreement in percent of an approximation with the first images of <paramref name="reference"/>: the
    /// losses of the images from <paramref name="firstLoss"/> on, against the margins of all.
    /// </summary>
    /// <param name="leads">Per image, the lead of the reference's top class in the approximation's output.</param>
    /// <param name="reference">Per image, the lead of its top class in the reference's output, and that output's norm.</param>
    public static double Expected(IReadOnlyList<ClassLead> leads, IReadOnlyList<ClassLead> reference, int firstLoss = 0)
    {
        int n = leads.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(firstLoss);
        if (reference.Count < n) throw new ArgumentException($"{n} images against a reference of {reference.Count}");
        if (firstLoss >= n) return 100;
        var margins = new double[n];
        var losses = new double[n];
        for (int i = 0; i < n; i++)
        {
            // A zero output's margins are absolute.
            double norm = reference[i].Norm == 0 ? 1 : reference[i].Norm;
            margins[i] = reference[i].Lead / norm;
            losses[i] = margins[i] - leads[i].Lead / norm;
        }
        Array.Sort(margins);
        long changed = 0;
        // A NaN output has lost every margin.
        for (int i = firstLoss; i < n; i++)
            changed += double.IsNaN(losses[i]) ? n : Below(margins, losses[i]);
        return 100.0 * (1 - (double)changed / ((long)(n - firstLoss) * n));
    }

    /// <summary>How many of the sorted <paramref name="margins"/> are strictly below <paramref name="loss"/>.</summary>
    private static int Below(double[] margins, double loss)
    {
        int lo = 0, hi = margins.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (margins[mid] < loss) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
