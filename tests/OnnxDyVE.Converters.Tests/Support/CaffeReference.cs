namespace OnnxDyVE.Converters.Tests.Support;

/// <summary>
/// Caffe's CPU forward passes written out loop by loop (pooling_layer.cpp, conv via im2col's definition,
/// lrn_layer.cpp), as the hand-computed references the converted graphs must match.
/// </summary>
internal static class CaffeReference
{
    public static (float[] Values, int PooledHeight, int PooledWidth) Pool(float[] x, int n, int c, int h, int w,
        int kh, int kw, int sh, int sw, int ph, int pw, bool max)
    {
        int pooledH = (int)Math.Ceiling((float)(h + 2 * ph - kh) / sh) + 1;
        int pooledW = (int)Math.Ceiling((float)(w + 2 * pw - kw) / sw) + 1;
        if (ph > 0 || pw > 0)
        {
            if ((pooledH - 1) * sh >= h + ph) --pooledH;
            if ((pooledW - 1) * sw >= w + pw) --pooledW;
        }
        var y = new float[n * c * pooledH * pooledW];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int oh = 0; oh < pooledH; oh++)
            {
                for (int ow = 0; ow < pooledW; ow++)
                {
                    int hstart = oh * sh - ph, wstart = ow * sw - pw;
                    int hend, wend;
                    float value;
                    if (max)
                    {
                        hend = Math.Min(hstart + kh, h);
                        wend = Math.Min(wstart + kw, w);
                        hstart = Math.Max(hstart, 0);
                        wstart = Math.Max(wstart, 0);
                        value = float.MinValue;
                        for (int i = hstart; i < hend; i++)
                            for (int j = wstart; j < wend; j++)
                                if (x[(plane * h + i) * w + j] > value) value = x[(plane * h + i) * w + j];
                    }
                    else
                    {
                        hend = Math.Min(hstart + kh, h + ph);
                        wend = Math.Min(wstart + kw, w + pw);
                        int poolSize = (hend - hstart) * (wend - wstart);
                        hstart = Math.Max(hstart, 0);
                        wstart = Math.Max(wstart, 0);
                        hend = Math.Min(hend, h);
                        wend = Math.Min(wend, w);
                        float sum = 0;
                        for (int i = hstart; i < hend; i++)
                            for (int j = wstart; j < wend; j++) sum += x[(plane * h + i) * w + j];
                        value = sum / poolSize;
                    }
                    y[(plane * pooledH + oh) * pooledW + ow] = value;
                }
            }
        }
        return (y, pooledH, pooledW);
    }

    public static float[] Convolution(float[] x, int n, int c, int h, int w, float[] weights, float[]? bias, int outputs,
        int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int group, out int oh, out int ow)
    {
        int outH = (h + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1, outW = (w + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1;
        oh = outH;
        ow = outW;
        int cg = c / group, og = outputs / group;
        var y = new float[n * outputs * outH * outW];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < outH; i++)
                    for (int j = 0; j < outW; j++)
                    {
                        double sum = bias?[o] ?? 0;
                        int g = o / og;
                        for (int ci = 0; ci < cg; ci++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int r = i * sh - ph + u * dh, s = j * sw - pw + v * dw;
                                    if (r < 0 || r >= h || s < 0 || s >= w) continue;
                                    sum += x[((b * c + g * cg + ci) * h + r) * w + s] * weights[((o * cg + ci) * kh + u) * kw + v];
                                }
                        y[((b * outputs + o) * outH + i) * outW + j] = (float)sum;
                    }
        return y;
    }

    /// <summary>ACROSS_CHANNELS: scale = k + alpha / size * sum of squares over the channel window; y = x * scale^-beta.</summary>
    public static float[] LrnAcross(float[] x, int n, int c, int h, int w, int size, float alpha, float beta, float k)
    {
        var y = new float[x.Length];
        int pre = (size - 1) / 2;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < h * w; p++)
                {
                    double sum = 0;
                    for (int q = Math.Max(0, ch - pre); q <= Math.Min(c - 1, ch - pre + size - 1); q++)
                    {
                        double v = x[(b * c + q) * h * w + p];
                        sum += v * v;
                    }
                    int index = (b * c + ch) * h * w + p;
                    y[index] = (float)(x[index] * Math.Pow(k + alpha / size * sum, -beta));
                }
        return y;
    }

    /// <summary>WITHIN_CHANNEL: y = x * (1 + alpha * mean of squares over a size x size window, padding counted)^-beta.</summary>
    public static float[] LrnWithin(float[] x, int n, int c, int h, int w, int size, float alpha, float beta)
    {
        float[] squares = [.. x.Select(v => v * v)];
        int pad = (size - 1) / 2;
        (float[] mean, _, _) = Pool(squares, n, c, h, w, size, size, 1, 1, pad, pad, max: false);
        return [.. x.Select((v, i) => (float)(v * Math.Pow(1 + alpha * mean[i], -beta)))];
    }
}
