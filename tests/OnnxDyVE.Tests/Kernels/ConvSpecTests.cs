using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>ConvSpec's checks: every bad attribute or input size is an ArgumentException that names it.</summary>
public sealed class ConvSpecTests
{
    private static readonly ConvSpec Valid = new(OutputChannels: 8, InputChannels: 4, KernelHeight: 3, KernelWidth: 3);

    public static TheoryData<string, string> BadSpecs() => new()
    {
        { "stride", "strides" },
        { "dilation", "dilations" },
        { "pad", "pads" },
        { "group", "group" },
        { "channels", "multiple of group" },
        { "kernel", "kernel_shape" },
        { "sfma negative", "sfma_delta" },
        { "sfma NaN", "sfma_delta" },
        { "sfma infinite", "sfma_delta" },
        { "input scale zero", "input_scale" },
        { "input scale infinite", "input_scale" },
        { "sfma with sdss", "sfma_delta" },
        { "sfma with spet", "sfma_delta" },
        { "pairs without sfma", "sfma_pairs" },
        { "pairs in two groups", "sfma_pairs" },
        { "pairs odd", "sfma_pairs" },
        { "pairs out of range", "sfma_pairs" },
        { "pairs negative", "sfma_pairs" },
        { "pair of a channel with itself", "sfma_pairs" },
        { "channel in two pairs", "sfma_pairs" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Bad_attribute_is_named(string which, string expectedWord)
    {
        ConvSpec spec = which switch
        {
            "stride" => Valid with { StrideWidth = 0 },
            "dilation" => Valid with { DilationHeight = -1 },
            "pad" => Valid with { PadBottom = -2 },
            "group" => Valid with { Group = 0 },
            "channels" => Valid with { Group = 3 },
            "sfma negative" => Valid with { SfmaDelta = -0.5f },
            "sfma NaN" => Valid with { SfmaDelta = float.NaN },
            "sfma infinite" => Valid with { SfmaDelta = float.PositiveInfinity },
            "input scale zero" => Valid with { InputScale = 0 },
            "input scale infinite" => Valid with { InputScale = float.PositiveInfinity },
            "sfma with sdss" => Valid with { SfmaDelta = 1, SdssDelta = 1 },
            "sfma with spet" => Valid with { SfmaDelta = 1, SpetPrefix = 0.5f, Activation = OnnxDyVE.Kernels.Activation.Relu },
            "pairs without sfma" => Valid with { SfmaPairs = [0, 1] },
            "pairs in two groups" => Valid with { SfmaDelta = 1, Group = 2, SfmaPairs = [0, 1] },
            "pairs odd" => Valid with { SfmaDelta = 1, SfmaPairs = [0, 1, 2] },
            "pairs out of range" => Valid with { SfmaDelta = 1, SfmaPairs = [0, 4] },
            "pairs negative" => Valid with { SfmaDelta = 1, SfmaPairs = [-1, 0] },
            "pair of a channel with itself" => Valid with { SfmaDelta = 1, SfmaPairs = [2, 2] },
            "channel in two pairs" => Valid with { SfmaDelta = 1, SfmaPairs = [0, 1, 1, 3] },
            _ => Valid with { KernelHeight = 0 },
        };
        var error = Assert.Throws<ArgumentException>(spec.Validate);
        Assert.Contains(expectedWord, error.Message);
    }

    [Fact]
    public void Input_smaller_than_the_kernel_gives_no_empty_output()
    {
        var error = Assert.Throws<ArgumentException>(() => Valid.Geometry(2, 10));
        Assert.Contains("height", error.Message);
    }

    [Fact]
    public void Padding_that_would_make_a_huge_plane_is_refused()
    {
        ConvSpec spec = Valid with { PadTop = 1 << 16, PadBottom = 1 << 16, PadLeft = 1 << 16, PadRight = 1 << 16 };
        var error = Assert.Throws<ArgumentException>(() => spec.Geometry(8, 8));
        Assert.Contains("larger than supported", error.Message);
    }

    [Theory]
    [InlineData(AutoPad.SameUpper, 4, 1, 2)]
    [InlineData(AutoPad.SameLower, 4, 2, 1)]
    [InlineData(AutoPad.Valid, 2, 0, 0)]
    public void Auto_pad_splits_padding_as_onnx_says(AutoPad autoPad, int outputWidth, int padLeft, int padRight)
    {
        // Width 8, kernel 5, stride 2: SAME gives ceil(8 / 2) = 4 outputs and (4 - 1) * 2 + 5 - 8 = 3 pads, the odd
        // one at the end (UPPER) or the beginning (LOWER); VALID gives (8 - 5) / 2 + 1 = 2 outputs.
        ConvSpec spec = new(OutputChannels: 1, InputChannels: 1, KernelHeight: 1, KernelWidth: 5, StrideWidth: 2, AutoPad: autoPad);
        ConvGeometry geometry = spec.Geometry(1, 8);
        Assert.Equal((outputWidth, padLeft, padRight), (geometry.OutputWidth, geometry.PadLeft, geometry.PadRight));
    }
}
