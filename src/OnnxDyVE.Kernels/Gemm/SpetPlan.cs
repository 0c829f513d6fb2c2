namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// SPET in a Gemm, prepared when the kernel is made. K is put in one order of significance (sum over outputs of
/// |alpha B[k, n]|, largest first) shared by every output, so the prefix (the first
/// <see cref="GemmSpec.SpetPrefix"/> x K of that order) is one dense product over B's column panels. After it each
/// output n of each row of A is tested (<see cref="SpetRun"/>); the rest of K is computed only for the outputs
/// still alive, from <see cref="Remainder"/>, where each output's remaining weights are contiguous, so an alive
/// output's rest is one dense dot product and dead outputs are never read.
/// </summary>
internal sealed class SpetPlan
{
    public GemmSpec Spec { get; }
    public int TileColumns { get; }

    /// <summary>k of the prefix: the first ⌊SpetPrefix x K⌋ of <see cref="Order"/>.</summary>
    public int PrefixLength { get; }

    /// <summary>k after the prefix.</summary>
    public int RemainderLength { get; }

    /// <summary>Floats per output in <see cref="Remainder"/>: the remainder rounded up to whole vectors, zero-padded.</summary>
    public int RemainderStride { get; }

    /// <summary>Every k of B, most significant first.</summary>
    public int[] Order { get; }

    /// <summary>The prefix's rows of B in <see cref="Order"/>, alpha folded in, packed in tile-column panels.</summary>
    public AlignedFloats PrefixPanels { get; }

    /// <summary>Output n's remaining weights (alpha folded in, in <see cref="Order"/>) at [n x RemainderStride, + RemainderLength).</summary>
    public float[] Remainder { get; }

    /// <summary>
    /// Per output, the sums over the remainder of its positive and of its negative weights: the most the rest can add
    /// for inputs in [lo, hi] (lo &lt;= 0 &lt;= hi) is hi x positive + lo x negative, since max(w hi, w lo) takes hi
    /// for w &gt; 0 and lo for w &lt; 0.
    /// </summary>
    public double[] PositiveRest { get; }
    public double[] NegativeRest { get; }

    /// <summary>
    /// Per output, what float rounding can move a sum by, per unit of the row's largest |input|: the partial sum after
    /// the prefix and the dense product each differ from the exact sum by at most gamma x sum over k of |w x|
    /// (gamma = K' u / (1 - K' u), u = 2^-24, K' = K + 2 covering the split into prefix and rest and a horizontal
    /// sum), whatever the order of summation. Exact SPET adds both to its bound, so it never stops an output the dense
    /// product would make positive.
    /// </summary>
    public double[] Slack { get; }

    /// <summary>
    /// Per unit of |beta x C|: the dense epilogue may round beta x C before adding it (unfused), by at most u; twice that.
    /// </summary>
    public const double BiasSlack = 1.0 / (1 << 23);

    /// <param name="b">K x N (or N x K with TransB), row-major.</param>
    /// <param name="vectorWidth">Floats per vector on the kernel's path: the remainder's padding.</param>
    public SpetPlan(GemmSpec spec, ReadOnlySpan<float> b, int tileColumns, int vectorWidth)
    {
        Spec = spec;
        TileColumns = tileColumns;
        int k = spec.K, n = spec.N;
        PrefixLength = (int)(spec.SpetPrefix * (double)k);
        RemainderLength = k - PrefixLength;
        RemainderStride = PanelLayout.CeilDiv(RemainderLength, vectorWidth) * vectorWidth;
        Order = SignificanceOrder(spec, b);

        // The prefix rows gathered into a K' x N matrix, then packed (with alpha) as the dense kernel packs all of B.
        var prefixRows = new float[(long)PrefixLength * n];
        for (int j = 0; j < PrefixLength; j++)
            for (int column = 0; column < n; column++)
                prefixRows[(long)j * n + column] = Weight(spec, b, Order[j], column, alpha: 1f);
        PrefixPanels = new AlignedFloats(checked(PanelLayout.CeilDiv(n, tileColumns) * tileColumns * PrefixLength));
        unsafe
        {
            fixed (float* source = prefixRows)
                PanelLayout.PackColumns(source, n, 1, n, PrefixLength, tileColumns, spec.Alpha, PrefixPanels.Pointer);
        }

        Remainder = GC.AllocateArray<float>(checked(n * RemainderStride), pinned: true);
        PositiveRest = new double[n];
        NegativeRest = new double[n];
        Slack = new double[n];
        double gamma = RoundingGamma(k + 2);
        for (int column = 0; column < n; column++)
        {
            double absolute = 0;
            for (int j = 0; j < k; j++)
            {
                float w = Weight(spec, b, Order[j], column, spec.Alpha);
                absolute += Math.Abs(w);
                if (j < PrefixLength) continue;
                Remainder[column * RemainderStride + j - PrefixLength] = w;
                if (w > 0) PositiveRest[column] += w;
                else NegativeRest[column] += w;
            }
            Slack[column] = 2 * gamma * absolute;
        }
    }

    /// <summary>
    /// The weight the dense kernel multiplies, alpha x B'[k, n] rounded to float as <see cref="PanelLayout.PackColumns"/>
    /// rounds it, so that SPET's sums and the dense ones add the same terms.
    /// </summary>
    private static float Weight(GemmSpec spec, ReadOnlySpan<float> b, int k, int n, float alpha) =>
        alpha * (spec.TransB ? b[n * spec.K + k] : b[k * spec.N + n]);

    /// <summary>k ordered by sum over outputs of |alpha B'[k, n]|, largest first; ties in k's own order.</summary>
    private static int[] SignificanceOrder(GemmSpec spec, ReadOnlySpan<float> b)
    {
        var significance = new double[spec.K];
        for (int k = 0; k < spec.K; k++)
            for (int n = 0; n < spec.N; n++)
                significance[k] += Math.Abs(Weight(spec, b, k, n, spec.Alpha));
        int[] order = new int[spec.K];
        for (int k = 0; k < order.Length; k++) order[k] = k;
        Array.Sort(order, (left, right) => significance[right].CompareTo(significance[left]) is int c && c != 0 ? c : left.CompareTo(right));
        return order;
    }

    /// <summary>gamma_n = n u / (1 - n u), the relative error bound of a float sum of n terms; infinite where that fails.</summary>
    private static double RoundingGamma(int terms)
    {
        double nu = terms / (double)(1 << 24);
        return nu < 0.5 ? nu / (1 - nu) : double.PositiveInfinity;
    }
}
