using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// DyveGemm SPET's test as the schema words it, in double, sharing no code with the kernel: per output of each row, the
/// value partial + beta C + bound x max(0, 1 - t) - scale x max(0, t - 1) that is compared with the saturation value,
/// the partial sum taken over the first ⌊prefix x K⌋ k in order of sum over outputs of |alpha B[k, n]|.
/// </summary>
internal static class GemmSpetReference
{
    /// <param name="t">effort x spet_delta.</param>
    /// <returns>Per output (row-major M x N): the tested value, and the scale of its rounding (sum of |w x| + |beta C|).</returns>
    public static (double[] Values, double[] Scales) Test(GemmLayer layer, float[] a, float[] b, float[]? c,
        float prefix, double t, double activationScale)
    {
        int m = layer.M, k = layer.K, n = layer.N;
        float Weight(int p, int j) => layer.Alpha * (layer.TransB ? b[j * k + p] : b[p * n + j]);
        var significance = new double[k];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                significance[p] += Math.Abs(Weight(p, j));
        int[] order = [.. Enumerable.Range(0, k).OrderByDescending(p => significance[p]).ThenBy(p => p)];
        int prefixLength = (int)(prefix * (double)k);
        long[]? cShape = layer.CShape();

        var values = new double[m * n];
        var scales = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            double A(int p) => layer.TransA ? a[p * m + i] : a[i * k + p];
            double hi = 0, lo = 0;
            for (int p = 0; p < k; p++)
            {
                hi = Math.Max(hi, A(p));
                lo = Math.Min(lo, A(p));
            }
            for (int j = 0; j < n; j++)
            {
                double partial = 0, bound = 0, scale = 0;
                for (int q = 0; q < k; q++)
                {
                    int p = order[q];
                    double w = Weight(p, j);
                    scale += Math.Abs(w * A(p));
                    if (q < prefixLength) partial += w * A(p);
                    else bound += Math.Max(w * hi, w * lo);
                }
                double bias = cShape is null ? 0 : layer.Beta * (double)c![ScalarReference.BroadcastIndex(cShape, i, j)];
                values[i * n + j] = partial + bias + bound * Math.Max(0, 1 - t) - activationScale * Math.Max(0, t - 1);
                scales[i * n + j] = scale + Math.Abs(bias);
            }
        }
        return (values, scales);
    }
}
