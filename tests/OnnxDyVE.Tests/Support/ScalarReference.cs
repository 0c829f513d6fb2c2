using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// ONNX Conv and Gemm written as the specification reads, with plain nested loops in double precision: slow,
/// obviously right, and sharing no code with the kernels it checks.
/// </summary>
internal static class ScalarReference
{
    /// <summary>Output size and the padding actually applied before the first row and column.</summary>
    public readonly record struct ConvGeometry(int OutputHeight, int OutputWidth, int PadTop, int PadLeft);

    public static ConvGeometry Geometry(ConvLayer layer)
    {
        (int outH, int padTop) = Axis(layer.Height, layer.KernelHeight, layer.StrideHeight, layer.DilationHeight,
            layer.PadTop, layer.PadBottom, layer.AutoPad);
        (int outW, int padLeft) = Axis(layer.Width, layer.KernelWidth, layer.StrideWidth, layer.DilationWidth,
            layer.PadLeft, layer.PadRight, layer.AutoPad);
        return new ConvGeometry(outH, outW, padTop, padLeft);
    }

    /// <summary>Output length and leading pad of one spatial axis, by the Conv specification's formulas.</summary>
    private static (int Output, int PadBegin) Axis(int input, int kernel, int stride, int dilation, int padBegin, int padEnd,
        ConvAutoPad autoPad)
    {
        int extent = (kernel - 1) * dilation + 1;
        switch (autoPad)
        {
            case ConvAutoPad.Valid:
                return ((input - extent) / stride + 1, 0);
            case ConvAutoPad.SameUpper:
            case ConvAutoPad.SameLower:
                // output = ceil(input / stride); the padding that takes is split evenly, the odd one at the end
                // (SAME_UPPER) or at the beginning (SAME_LOWER). A stride longer than the kernel needs none.
                int output = (input + stride - 1) / stride;
                int total = Math.Max(0, (output - 1) * stride + extent - input);
                return (output, autoPad == ConvAutoPad.SameUpper ? total / 2 : total - total / 2);
            default:
                return ((input + padBegin + padEnd - extent) / stride + 1, padBegin);
        }
    }

    /// <summary>Y (N x M x Ho x Wo) = act(conv(X, W) + B).</summary>
    public static double[] Conv(ConvLayer layer, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias)
    {
        ConvGeometry g = Geometry(layer);
        int cPerGroup = layer.InputChannels / layer.Group;
        int mPerGroup = layer.OutputChannels / layer.Group;
        int kh = layer.KernelHeight, kw = layer.KernelWidth;
        var y = new double[layer.Batch * layer.OutputChannels * g.OutputHeight * g.OutputWidth];
        int index = 0;
        for (int n = 0; n < layer.Batch; n++)
        for (int m = 0; m < layer.OutputChannels; m++)
        {
            int group = m / mPerGroup;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                double sum = bias.IsEmpty ? 0.0 : bias[m];
                for (int c = 0; c < cPerGroup; c++)
                {
                    int inputChannel = group * cPerGroup + c;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * layer.StrideHeight - g.PadTop + ky * layer.DilationHeight;
                        if (iy < 0 || iy >= layer.Height) continue;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = ox * layer.StrideWidth - g.PadLeft + kx * layer.DilationWidth;
                            if (ix < 0 || ix >= layer.Width) continue;
                            double xv = x[((n * layer.InputChannels + inputChannel) * layer.Height + iy) * layer.Width + ix];
                            double wv = w[((m * cPerGroup + c) * kh + ky) * kw + kx];
                            sum += xv * wv;
                        }
                    }
                }
                y[index++] = Activate(layer.Activation, sum);
            }
        }
        return y;
    }

    /// <summary>Y (M x N) = act(alpha * A' * B' + beta * C), C broadcast from its shape.</summary>
    public static double[] Gemm(GemmLayer layer, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c)
    {
        int m = layer.M, k = layer.K, n = layer.N;
        long[]? cShape = layer.CShape();
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0.0;
            for (int p = 0; p < k; p++)
            {
                double av = layer.TransA ? a[p * m + i] : a[i * k + p];
                double bv = layer.TransB ? b[j * k + p] : b[p * n + j];
                sum += av * bv;
            }
            double value = layer.Alpha * sum;
            if (cShape is not null) value += layer.Beta * (double)c[BroadcastIndex(cShape, i, j)];
            y[i * n + j] = Activate(layer.Activation, value);
        }
        return y;
    }

    /// <summary>Where element (i, j) of M x N reads C of <paramref name="shape"/> (ONNX unidirectional broadcasting).</summary>
    public static int BroadcastIndex(long[] shape, int i, int j)
    {
        long rows = shape.Length == 2 ? shape[0] : 1;
        long columns = shape.Length >= 1 ? shape[^1] : 1;
        return (int)((rows == 1 ? 0 : i) * columns + (columns == 1 ? 0 : j));
    }

    public static double Activate(LayerActivation activation, double x) => activation.Kind switch
    {
        LayerActivationKind.Relu => Math.Max(x, 0.0),
        LayerActivationKind.LeakyRelu => x >= 0.0 ? x : activation.Alpha * x,
        LayerActivationKind.Clip => Math.Min(Math.Max(x, activation.Min), activation.Max),
        _ => x,
    };
}
