using System.Globalization;

namespace OnnxDyVE.Graph;

/// <summary>ONNX Conv's <c>auto_pad</c> attribute.</summary>
public enum ConvAutoPad
{
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}

/// <summary>
/// One 2-D convolution layer with its input size: everything needed to write it as ONNX Conv (plus an
/// activation node) or as DyveConv. Attributes follow ONNX Conv; pads are ignored unless <see cref="AutoPad"/>
/// is <see cref="ConvAutoPad.NotSet"/>, because ONNX forbids giving both.
/// </summary>
/// <param name="Batch">N of the input.</param>
/// <param name="InputChannels">C of the input.</param>
/// <param name="Height">H of the input.</param>
/// <param name="Width">W of the input.</param>
/// <param name="OutputChannels">M, the number of filters.</param>
/// <param name="KernelHeight">kH.</param>
/// <param name="KernelWidth">kW.</param>
public sealed record ConvLayer(
    int Batch, int InputChannels, int Height, int Width, int OutputChannels, int KernelHeight, int KernelWidth)
{
    public int StrideHeight { get; init; } = 1;
    public int StrideWidth { get; init; } = 1;
    public int DilationHeight { get; init; } = 1;
    public int DilationWidth { get; init; } = 1;
    public int PadTop { get; init; }
    public int PadLeft { get; init; }
    public int PadBottom { get; init; }
    public int PadRight { get; init; }
    public int Group { get; init; } = 1;
    public ConvAutoPad AutoPad { get; init; }
    /// <summary>Whether the layer has a bias input B of M values.</summary>
    public bool HasBias { get; init; }
    /// <summary>
    /// Whether the nodes carry <c>kernel_shape</c>; ONNX makes it optional (it is implied by W), so operators
    /// must handle both.
    /// </summary>
    public bool DeclaresKernelShape { get; init; } = true;
    public LayerActivation Activation { get; init; } = LayerActivation.None;

    /// <summary>X: N x C x H x W.</summary>
    public long[] InputShape() => [Batch, InputChannels, Height, Width];

    /// <summary>W: M x C/group x kH x kW.</summary>
    public long[] WeightShape() => [OutputChannels, InputChannels / Group, KernelHeight, KernelWidth];

    /// <summary>The value of the <c>auto_pad</c> attribute.</summary>
    public string AutoPadAttributeValue => AutoPad switch
    {
        ConvAutoPad.SameUpper => "SAME_UPPER",
        ConvAutoPad.SameLower => "SAME_LOWER",
        ConvAutoPad.Valid => "VALID",
        _ => "NOTSET",
    };

    /// <summary>A one-line description for test names and failure messages.</summary>
    public override string ToString()
    {
        string pads = AutoPad == ConvAutoPad.NotSet ? $"pads [{PadTop},{PadLeft},{PadBottom},{PadRight}]" : AutoPadAttributeValue;
        return string.Create(CultureInfo.InvariantCulture,
            $"X {Batch}x{InputChannels}x{Height}x{Width}, W {OutputChannels}x{InputChannels / Math.Max(1, Group)}x{KernelHeight}x{KernelWidth}, " +
            $"strides [{StrideHeight},{StrideWidth}], dilations [{DilationHeight},{DilationWidth}], {pads}, group {Group}, " +
            $"{(HasBias ? "bias" : "no bias")}, {Activation}{(DeclaresKernelShape ? "" : ", no kernel_shape")}");
    }
}
