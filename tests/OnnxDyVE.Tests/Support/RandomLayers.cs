using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// Seeded random layer shapes. Case i always draws from <c>new Random(seed(i))</c>, so a failing case is
/// reproduced by its index alone. Spatial sizes stay small: the point is coverage of the attribute space and of
/// the kernels' edges (ragged tiles, several K blocks, several row and column chunks), not throughput.
/// </summary>
internal static class RandomLayers
{
    private static readonly int[] KernelSizes = [1, 1, 2, 3, 3, 3, 5, 7];
    private static readonly int[] Strides = [1, 1, 1, 2, 2, 3];
    private static readonly float[] LeakySlopes = [0.01f, 0.1f, 0.2f, 0.3f];
    private static readonly (float Min, float Max)[] ClipBounds = [(0f, 6f), (-0.5f, 0.5f), (-1f, 2.5f), (0.25f, 0.75f)];
    private static readonly float[] Alphas = [1f, 1f, 0.5f, -1.5f, 2f];
    private static readonly float[] Betas = [1f, 1f, 0f, 0.5f, -2f];

    private static Random Seeded(int stream, int index) => new(unchecked(stream * 1_000_003 + index * 7919));

    public static LayerActivation Activation(Random random) => random.Next(4) switch
    {
        0 => LayerActivation.None,
        1 => LayerActivation.Relu,
        2 => LayerActivation.LeakyRelu(LeakySlopes[random.Next(LeakySlopes.Length)]),
        _ => Clip(random),
    };

    private static LayerActivation Clip(Random random)
    {
        (float min, float max) = ClipBounds[random.Next(ClipBounds.Length)];
        return LayerActivation.Clip(min, max);
    }

    /// <summary>A general convolution: any grouping, kernel, stride, dilation, padding mode and activation.</summary>
    public static ConvLayer ConvForOperator(int index)
    {
        Random r = Seeded(1, index);
        int batch = r.Next(5) == 0 ? 4 : 1;
        int group, cPerGroup, mPerGroup;
        switch (r.Next(6))
        {
            case 3:
                group = r.Next(2, 4);
                (cPerGroup, mPerGroup) = (r.Next(1, 7), r.Next(1, 9));
                break;
            case 4: // depthwise, channel multiplier 1 or 2
                group = r.Next(1, 17);
                (cPerGroup, mPerGroup) = (1, r.Next(1, 3));
                break;
            case 5:
                group = 4;
                (cPerGroup, mPerGroup) = (r.Next(1, 5), r.Next(1, 6));
                break;
            default:
                group = 1;
                (cPerGroup, mPerGroup) = (r.Next(1, 17), r.Next(1, 21));
                break;
        }
        return RandomGeometry(r, batch, group, cPerGroup, mPerGroup, maxExtraSize: 12);
    }

    /// <summary>
    /// Convolutions for kernel tests, cycling through four regimes: small general layers; reductions longer
    /// than one K block (128); many output channels over few columns (several row chunks); many columns
    /// (several column chunks).
    /// </summary>
    public static ConvLayer ConvForKernel(int index)
    {
        Random r = Seeded(2, index);
        int batch = r.Next(1, 4);
        switch (index % 4)
        {
            case 1:
            {
                int k = r.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
                int group = r.Next(1, 3);
                int cPerGroup = (128 + k * k) / (k * k) + r.Next(0, 300 / (k * k) + 1);
                var layer = new ConvLayer(batch, group * cPerGroup, r.Next(k, k + 8), r.Next(k, k + 8), group * r.Next(1, 41), k, k)
                {
                    Group = group,
                    PadTop = r.Next(0, 2), PadLeft = r.Next(0, 2), PadBottom = r.Next(0, 2), PadRight = r.Next(0, 2),
                    HasBias = r.Next(2) == 0,
                    Activation = Activation(r),
                };
                return layer;
            }
            case 2:
            {
                int k = r.Next(2) == 0 ? 1 : 3;
                return new ConvLayer(1, r.Next(1, 9), r.Next(k, k + 5), r.Next(k, k + 5), r.Next(100, 201), k, k)
                {
                    PadTop = k / 2, PadLeft = k / 2, PadBottom = k / 2, PadRight = k / 2,
                    HasBias = r.Next(2) == 0,
                    Activation = Activation(r),
                };
            }
            case 3:
            {
                int k = r.Next(1, 4);
                return new ConvLayer(batch, r.Next(1, 7), r.Next(15, 27), r.Next(15, 27), r.Next(1, 17), k, k)
                {
                    StrideHeight = r.Next(1, 3),
                    PadTop = r.Next(0, k), PadLeft = r.Next(0, k), PadBottom = r.Next(0, k), PadRight = r.Next(0, k),
                    HasBias = r.Next(2) == 0,
                    Activation = Activation(r),
                };
            }
            default:
            {
                int group = r.Next(3) == 0 ? r.Next(2, 5) : 1;
                return RandomGeometry(r, batch, group, r.Next(1, 9), r.Next(1, 15), maxExtraSize: 10);
            }
        }
    }

    /// <summary>Random kernel, stride, dilation, padding and input size around a given channel structure.</summary>
    private static ConvLayer RandomGeometry(Random r, int batch, int group, int cPerGroup, int mPerGroup, int maxExtraSize)
    {
        int kh = KernelSizes[r.Next(KernelSizes.Length)];
        int kw = r.Next(5) == 0 ? KernelSizes[r.Next(KernelSizes.Length)] : kh;
        int dh = r.Next(4) == 0 ? 2 : 1;
        int dw = r.Next(4) == 0 ? 2 : 1;
        int extentH = (kh - 1) * dh + 1, extentW = (kw - 1) * dw + 1;
        ConvAutoPad autoPad = r.Next(8) switch
        {
            5 => ConvAutoPad.SameUpper,
            6 => ConvAutoPad.SameLower,
            7 => ConvAutoPad.Valid,
            _ => ConvAutoPad.NotSet,
        };
        // Inputs at least as large as the dilated kernel, so every padding mode has a non-empty output.
        return new ConvLayer(batch, group * cPerGroup, extentH + r.Next(0, maxExtraSize), extentW + r.Next(0, maxExtraSize),
            group * mPerGroup, kh, kw)
        {
            StrideHeight = Strides[r.Next(Strides.Length)],
            StrideWidth = Strides[r.Next(Strides.Length)],
            DilationHeight = dh,
            DilationWidth = dw,
            PadTop = r.Next(0, Math.Min(4, extentH)),
            PadLeft = r.Next(0, Math.Min(4, extentW)),
            PadBottom = r.Next(0, Math.Min(4, extentH)),
            PadRight = r.Next(0, Math.Min(4, extentW)),
            Group = group,
            AutoPad = autoPad,
            HasBias = r.Next(10) < 7,
            DeclaresKernelShape = r.Next(8) != 0,
            Activation = Activation(r),
        };
    }

    /// <summary>
    /// Gemm for kernel tests, cycling through four regimes: short K, K over several blocks, M over several row
    /// chunks (96 rows each), N over several column chunks.
    /// </summary>
    public static GemmLayer GemmForKernel(int index)
    {
        Random r = Seeded(3, index);
        (int m, int k, int n) = (index % 4) switch
        {
            0 => (r.Next(1, 13), r.Next(1, 128), r.Next(1, 101)),
            1 => (r.Next(1, 41), r.Next(129, 401), r.Next(1, 81)),
            2 => (r.Next(90, 201), r.Next(1, 201), r.Next(1, 65)),
            _ => (r.Next(1, 9), r.Next(1, 301), r.Next(257, 601)),
        };
        return RandomGemmAttributes(r, m, k, n);
    }

    /// <summary>Gemm for operator tests: mostly the batch sizes of inference (M = 1..8), sometimes larger.</summary>
    public static GemmLayer GemmForOperator(int index)
    {
        Random r = Seeded(4, index);
        int m = index % 4 == 3 ? r.Next(9, 71) : 1 + index % 8;
        int k = r.Next(2) == 0 ? r.Next(1, 128) : r.Next(128, 301);
        int n = r.Next(1, 201);
        return RandomGemmAttributes(r, m, k, n);
    }

    private static GemmLayer RandomGemmAttributes(Random r, int m, int k, int n) => new(m, k, n)
    {
        TransA = r.Next(2) == 0,
        TransB = r.Next(2) == 0,
        Alpha = Alphas[r.Next(Alphas.Length)],
        Beta = Betas[r.Next(Betas.Length)],
        Bias = (GemmBiasShape)r.Next(6),
        Activation = Activation(r),
    };
}
