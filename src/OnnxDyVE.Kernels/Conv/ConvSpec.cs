namespace OnnxDyVE.Kernels.Conv;

/// <summary>ONNX's auto_pad attribute.</summary>
public enum AutoPad
{
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}

/// <summary>
/// A 2-D convolution as ONNX Conv defines it (NCHW, weights M x C/group x kH x kW), with a fused activation.
/// Pads are [top, left, bottom, right], ONNX's order; they apply when <see cref="AutoPad"/> is NotSet.
/// </summary>
/// <param name="SkipZeroMaps">
/// Exact mechanism (SFMA's exact part): input channels that are zero everywhere are left out of K, so their taps
/// are never multiplied. The output is bit-identical: a skipped term would have added 0 x w (w finite).
/// Applies where the input is copied per run (<see cref="ConvAlgorithm.PaddedTaps"/>), which finds them on the way.
/// Not to 1x1 convolutions (<see cref="ConvAlgorithm.Pointwise"/>), which read their input in place: a scan of
/// their own made SqueezeNet's 1x1 layers 5-10% slower, for maps that are rarely zero there.
/// </param>
/// <param name="SkipZeroInputs">
/// Exact mechanism: each tile of output positions (two, three or six) leaves out the taps at which its inputs are all zero
/// (a map after a ReLU is zero at most positions, and neighbours together). Bit-identical, as for <paramref name="SkipZeroMaps"/>.
/// Applies on AVX-512 to stride-1 convolutions over blocked maps with finite weights (<see cref="Gemm.LiveTaps"/>).
/// </param>
/// <param name="SdssDelta">
/// SDSS's threshold at effort 1, in units of <paramref name="ActivationScale"/>; 0 turns it off. See <see cref="ConvKernel.Plan"/>.
/// </param>
/// <param name="ActivationScale">The layer's activation scale (RMS of its outputs on calibration images).</param>
/// <param name="SpetPrefix">
/// SPET's prefix: the share of the input channels (in order of weight significance) every output computes before
/// the saturation test; 0 turns SPET off. See <see cref="SpetConv"/>.
/// </param>
/// <param name="SpetDelta">How far SPET predicts at effort 1 (0: exact SPET only). See <see cref="SpetConv"/>.</param>
/// <param name="SfmaDelta">
/// SFMA's near-uniform threshold at effort 1, in units of <paramref name="InputScale"/>; 0 turns it off. At a run, an
/// input map whose standard deviation (over the map, padding excluded) is at most SfmaDelta x InputScale x effort is
/// left out of K like a zero map, and its mean times the sum of its weights is added to the bias of every output
/// channel (<see cref="SfmaLayout"/>). Approximate even for a constant map where the convolution pads: a tap in the
/// padding reads 0, not the mean, so outputs within the kernel's reach of a border get the mean's share of the
/// padding taps too much. Applies where the input is copied per run (<see cref="ConvAlgorithm.PaddedTaps"/>, which
/// 1x1 convolutions then run on rather than <see cref="ConvAlgorithm.Pointwise"/>); not with SDSS or SPET.
/// </param>
/// <param name="InputLayout">How the input holds its maps; <see cref="MapLayout.Blocked"/> only for exact convolutions of one group.</param>
/// <param name="OutputLayout">How the output holds its maps; <see cref="MapLayout.Blocked"/> only for exact convolutions of one group.</param>
/// <param name="PointwiseChannels">
/// The first this many output channels are a 1x1 convolution of the same input, read at the kernel's centre tap: their
/// weights off the centre must be zero and are never multiplied (a fire module's 1x1 and 3x3 expands as one node, which
/// writes both halves of their Concat). A multiple of <see cref="PointwiseChannelMultiple"/>, so every vector path's
/// panels are wholly one kind; blocked output, one group, stride and dilation 1, an odd kernel padded by half of it on
/// every side, so the centre tap of output (y, x) is input (y, x).
/// </param>
/// <param name="Residual">
/// A residual block's sum: a tensor of the output's shape is added to the convolution (after the bias) before the
/// activation, output = activation(conv + bias + residual), as ORT's Add and Relu after it would. Blocked output only.
/// </param>
/// <param name="InputScale">The layer's input scale (RMS of its input on calibration images), SFMA's unit.</param>
/// <param name="SfmaPairs">
/// SFMA's candidate pairs of near-equal input maps, flattened [i0, j0, i1, j1, ...] (input channels, each in at most
/// one pair; one group only), or null for none. At a run where SFMA is on, a pair whose maps differ by an RMS of at
/// most the near-uniform threshold (SfmaDelta x InputScale x effort), neither of them zero or folded, is computed as
/// one map: x_i against W_i + W_j (<see cref="SfmaPairs"/>). Needs <paramref name="SfmaDelta"/> above 0.
/// </param>
public sealed record ConvSpec(
    int OutputChannels,
    int InputChannels,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight = 1,
    int StrideWidth = 1,
    int DilationHeight = 1,
    int DilationWidth = 1,
    int PadTop = 0,
    int PadLeft = 0,
    int PadBottom = 0,
    int PadRight = 0,
    int Group = 1,
    AutoPad AutoPad = AutoPad.NotSet,
    Activation Activation = default,
    bool SkipZeroMaps = false,
    bool SkipZeroInputs = false,
    float SdssDelta = 0,
    float ActivationScale = 1,
    float SpetPrefix = 0,
    float SpetDelta = 0,
    float SfmaDelta = 0,
    float InputScale = 1,
    int[]? SfmaPairs = null,
    MapLayout InputLayout = MapLayout.Planar,
    MapLayout OutputLayout = MapLayout.Planar,
    int PointwiseChannels = 0,
    bool Residual = false)
{
    /// <summary>What <see cref="PointwiseChannels"/> must be a multiple of: two panels of AVX-512's, whose wide tiles take two at once.</summary>
    public const int PointwiseChannelMultiple = 64;

    /// <summary>The tap at the kernel's centre (row-major), which the pointwise channels read.</summary>
    public int CentreTap => KernelHeight / 2 * KernelWidth + KernelWidth / 2;

    /// <summary>Whether the input or the output is <see cref="MapLayout.Blocked"/>.</summary>
    public bool IsBlocked => InputLayout == MapLayout.Blocked || OutputLayout == MapLayout.Blocked;

    public int OutputChannelsPerGroup => OutputChannels / Group;
    public int InputChannelsPerGroup => InputChannels / Group;
    /// <summary>K of each group's matrix product: input channels per group x kernel area.</summary>
    public int ReductionLength => InputChannelsPerGroup * KernelHeight * KernelWidth;
    public long WeightCount => (long)OutputChannels * ReductionLength;

    /// <summary>Candidate pairs of near-equal input maps (<see cref="SfmaPairs"/>).</summary>
    public int SfmaPairCount => SfmaPairs is null ? 0 : SfmaPairs.Length / 2;

    /// <summary>
    /// The value the activation gives every input below it (ReLU's 0, clip's lower bound): what SPET outputs for a
    /// neuron it stops. Null for activations that do not saturate.
    /// </summary>
    public float? SaturationFloor => Activation.Kind switch
    {
        ActivationKind.Relu => 0f,
        ActivationKind.Clip when float.IsFinite(Activation.Min) => Activation.Min,
        _ => null,
    };

    /// <summary>Most elements in one input or output plane.</summary>
    public const long MaximumPlane = int.MaxValue / 4;

    /// <summary>Checks what can be checked without an input; the message names the offending attribute.</summary>
    public void Validate()
    {
        Require(OutputChannels > 0, $"output channels must be positive, got {OutputChannels}");
        Require(InputChannels > 0, $"input channels must be positive, got {InputChannels}");
        Require(KernelHeight > 0 && KernelWidth > 0, $"kernel_shape must be positive, got [{KernelHeight}, {KernelWidth}]");
        Require(StrideHeight > 0 && StrideWidth > 0, $"strides must be positive, got [{StrideHeight}, {StrideWidth}]");
        Require(DilationHeight > 0 && DilationWidth > 0, $"dilations must be positive, got [{DilationHeight}, {DilationWidth}]");
        Require(PadTop >= 0 && PadLeft >= 0 && PadBottom >= 0 && PadRight >= 0,
            $"pads must not be negative, got [{PadTop}, {PadLeft}, {PadBottom}, {PadRight}]");
        Require(Group > 0, $"group must be positive, got {Group}");
        Require(float.IsFinite(SdssDelta) && SdssDelta >= 0, $"sdss_delta must be finite and not negative, got {SdssDelta}");
        Require(float.IsFinite(ActivationScale) && ActivationScale > 0, $"activation_scale must be finite and positive, got {ActivationScale}");
        Require(SpetPrefix >= 0 && SpetPrefix < 1, $"spet_prefix must be in [0, 1), got {SpetPrefix}");
        Require(float.IsFinite(SpetDelta) && SpetDelta >= 0, $"spet_delta must be finite and not negative, got {SpetDelta}");
        Require(SpetPrefix == 0 || SaturationFloor is not null,
            $"spet_prefix needs an activation that saturates (relu, or clip with a finite lower bound); the node's is {Activation.Name}");
        Require(SpetPrefix == 0 || SdssDelta == 0, "a node runs SDSS or SPET, not both: set one of sdss_delta and spet_prefix to 0");
        Require(float.IsFinite(SfmaDelta) && SfmaDelta >= 0, $"sfma_delta must be finite and not negative, got {SfmaDelta}");
        Require(float.IsFinite(InputScale) && InputScale > 0, $"input_scale must be finite and positive, got {InputScale}");
        // SDSS and SPET read the padded copy with the whole of K; one approximate mechanism per node keeps each measurable.
        Require(SfmaDelta == 0 || (SdssDelta == 0 && SpetPrefix == 0),
            "a node runs one of SDSS, SPET and SFMA: set sfma_delta to 0, or sdss_delta and spet_prefix");
        if (SfmaPairs is { Length: > 0 }) ValidatePairs(SfmaPairs);
        // Blocked maps are read and written by position tiles alone, which the approximate mechanisms do not run on.
        Require(!IsBlocked || (Group == 1 && SdssDelta == 0 && SpetPrefix == 0 && SfmaDelta == 0),
            "blocked maps are for exact convolutions of one group: set group to 1 and sdss_delta, spet_prefix and sfma_delta to 0, or the layouts to planar");
        if (PointwiseChannels != 0) ValidatePointwise();
        Require(!Residual || OutputLayout == MapLayout.Blocked, "a residual input needs blocked output maps (output_layout NCHW16c)");
        Require(OutputChannels % Group == 0, $"output channels ({OutputChannels}) must be a multiple of group ({Group})");
        Require(InputChannels % Group == 0, $"input channels ({InputChannels}) must be a multiple of group ({Group})");
        Require((long)InputChannelsPerGroup * KernelHeight * KernelWidth <= int.MaxValue / 8,
            "kernel is too large (input channels per group x kernel area exceeds the supported size)");
    }

    private void ValidatePointwise()
    {
        Require(PointwiseChannels > 0 && PointwiseChannels <= OutputChannels && PointwiseChannels % PointwiseChannelMultiple == 0,
            $"pointwise_channels must be a multiple of {PointwiseChannelMultiple} in (0, {OutputChannels}] (the output channels), got {PointwiseChannels}");
        Require(OutputLayout == MapLayout.Blocked && Group == 1, "pointwise_channels needs blocked output maps and one group");
        Require(StrideHeight == 1 && StrideWidth == 1 && DilationHeight == 1 && DilationWidth == 1,
            $"pointwise_channels needs strides and dilations of 1, got strides [{StrideHeight}, {StrideWidth}], dilations [{DilationHeight}, {DilationWidth}]");
        Require(AutoPad == AutoPad.NotSet && KernelHeight % 2 == 1 && KernelWidth % 2 == 1
            && PadTop == KernelHeight / 2 && PadBottom == KernelHeight / 2 && PadLeft == KernelWidth / 2 && PadRight == KernelWidth / 2,
            $"pointwise_channels needs an odd kernel padded by half of it on every side (its centre tap reading output position's own input), got kernel [{KernelHeight}, {KernelWidth}], pads [{PadTop}, {PadLeft}, {PadBottom}, {PadRight}]");
    }

    private void ValidatePairs(int[] pairs)
    {
        Require(SfmaDelta > 0, "sfma_pairs needs sfma_delta above 0 (pairs merge at SFMA's threshold)");
        Require(Group == 1, $"sfma_pairs applies to convolutions of one group, the node has group {Group}");
        Require(pairs.Length % 2 == 0, $"sfma_pairs holds {pairs.Length} values; it takes pairs [i0, j0, i1, j1, ...]");
        var paired = new bool[InputChannels];
        foreach (int channel in pairs)
        {
            Require(channel >= 0 && channel < InputChannels, $"sfma_pairs names input channel {channel}, the node has {InputChannels}");
            Require(!paired[channel], $"sfma_pairs names input channel {channel} twice (a pair of a channel with itself, or a channel in two pairs)");
            paired[channel] = true;
        }
    }

    /// <summary>Output size and effective pads for an input of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public ConvGeometry Geometry(int height, int width)
    {
        (int outH, int padTop, int padBottom) = Axis(height, KernelHeight, StrideHeight, DilationHeight, PadTop, PadBottom, "height");
        (int outW, int padLeft, int padRight) = Axis(width, KernelWidth, StrideWidth, DilationWidth, PadLeft, PadRight, "width");
        // Plane sizes index with int: refuse planes past what a float array may hold.
        if ((long)height * width > MaximumPlane || (long)outH * outW > MaximumPlane)
            throw new ArgumentException($"a {height} x {width} input plane giving a {outH} x {outW} output plane is larger than supported ({MaximumPlane} elements)");
        return new ConvGeometry(height, width, outH, outW, padTop, padLeft, padBottom, padRight);
    }

    private (int Output, int PadBegin, int PadEnd) Axis(int input, int kernel, int stride, int dilation, int padBegin, int padEnd, string axis)
    {
        long extent = (long)(kernel - 1) * dilation + 1;
        long output;
        switch (AutoPad)
        {
            case AutoPad.SameUpper:
            case AutoPad.SameLower:
                output = (input + (long)stride - 1) / stride;
                long total = Math.Max(0, (output - 1) * stride + extent - input);
                long small = total / 2;
                (padBegin, padEnd) = AutoPad == AutoPad.SameUpper ? ((int)small, (int)(total - small)) : ((int)(total - small), (int)small);
                break;
            case AutoPad.Valid:
                padBegin = padEnd = 0;
                output = input >= extent ? (input - extent) / stride + 1 : 0;
                break;
            default:
                long padded = (long)input + padBegin + padEnd;
                output = padded >= extent ? (padded - extent) / stride + 1 : 0;
                break;
        }
        if (output <= 0)
            throw new ArgumentException($"input {axis} {input} is smaller than the dilated kernel ({extent}) with its padding: the output would be empty");
        if (output > int.MaxValue / 4)
            throw new ArgumentException($"output {axis} {output} is too large");
        return ((int)output, padBegin, padEnd);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}

/// <summary>The spatial sizes of one convolution call.</summary>
public readonly record struct ConvGeometry(
    int InputHeight, int InputWidth, int OutputHeight, int OutputWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public int OutputSize => OutputHeight * OutputWidth;
    public int InputSize => InputHeight * InputWidth;
    public long PaddedHeight => (long)InputHeight + PadTop + PadBottom;
    public long PaddedWidth => (long)InputWidth + PadLeft + PadRight;
    public bool HasPadding => (PadTop | PadLeft | PadBottom | PadRight) != 0;
}
