using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>
/// DyveConv's attributes: ONNX Conv's (2-D), the fused activation, and DyVE's own (zero-map skipping, SDSS's
/// threshold, SPET's prefix and strength, and the activation scale thresholds are measured in; SFMA's threshold, the
/// input scale it is measured in, and its candidate pairs).
/// </summary>
internal static class ConvAttributes
{
    /// <summary>
    /// The convolution a node describes, given its weights' shape (M x C/group x kH x kW). Throws
    /// <see cref="ArgumentException"/> naming the attribute or input at fault.
    /// </summary>
    public static ConvSpec Read(IAttributeSource attributes, ReadOnlySpan<long> weightShape)
    {
        if (weightShape.Length != 4)
            throw new ArgumentException($"input W has rank {weightShape.Length}; DyveConv takes 2-D convolutions, W of rank 4 (M x C/group x kH x kW)");
        foreach (long d in weightShape)
            if (d <= 0 || d > int.MaxValue) throw new ArgumentException($"input W has a dimension of {d}");
        int group = Int(attributes.GetInt("group") ?? 1, "group");
        long[] kernelShape = attributes.GetInts("kernel_shape") ?? [weightShape[2], weightShape[3]];
        if (kernelShape.Length != 2 || kernelShape[0] != weightShape[2] || kernelShape[1] != weightShape[3])
            throw new ArgumentException($"attribute 'kernel_shape' [{string.Join(", ", kernelShape)}] does not match W's kernel [{weightShape[2]}, {weightShape[3]}]");
        long[] strides = Pair(attributes.GetInts("strides"), "strides");
        long[] dilations = Pair(attributes.GetInts("dilations"), "dilations");
        long[] pads = attributes.GetInts("pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4) throw new ArgumentException($"attribute 'pads' has {pads.Length} values; a 2-D convolution takes 4 [top, left, bottom, right]");
        AutoPad autoPad = (attributes.GetString("auto_pad") ?? "NOTSET") switch
        {
            "NOTSET" or "" => AutoPad.NotSet,
            "SAME_UPPER" => AutoPad.SameUpper,
            "SAME_LOWER" => AutoPad.SameLower,
            "VALID" => AutoPad.Valid,
            string other => throw new ArgumentException($"attribute 'auto_pad' is '{other}'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID"),
        };
        if (group <= 0) throw new ArgumentException($"attribute 'group' must be positive, got {group}");

        var spec = new ConvSpec(
            OutputChannels: (int)weightShape[0],
            InputChannels: Int(weightShape[1] * group, "input channels (W's dimension 1 x group)"),
            KernelHeight: (int)weightShape[2],
            KernelWidth: (int)weightShape[3],
            StrideHeight: Int(strides[0], "strides"),
            StrideWidth: Int(strides[1], "strides"),
            DilationHeight: Int(dilations[0], "dilations"),
            DilationWidth: Int(dilations[1], "dilations"),
            PadTop: Int(pads[0], "pads"),
            PadLeft: Int(pads[1], "pads"),
            PadBottom: Int(pads[2], "pads"),
            PadRight: Int(pads[3], "pads"),
            Group: group,
            AutoPad: autoPad,
            Activation: ActivationAttributes.Read(attributes),
            SkipZeroMaps: AttributeFlags.Read(attributes.GetInt(DyveSchema.SkipZeroMaps), true, DyveSchema.SkipZeroMaps),
            SkipZeroInputs: AttributeFlags.Read(attributes.GetInt(DyveSchema.SkipZeroInputs), true, DyveSchema.SkipZeroInputs),
            SdssDelta: EffortAttributes.Threshold(attributes, DyveSchema.SdssDelta),
            ActivationScale: EffortAttributes.Scale(attributes, DyveSchema.ActivationScale),
            SpetPrefix: EffortAttributes.SpetPrefix(attributes),
            SpetDelta: EffortAttributes.Threshold(attributes, DyveSchema.SpetDelta),
            SfmaDelta: EffortAttributes.Threshold(attributes, DyveSchema.SfmaDelta),
            InputScale: EffortAttributes.Scale(attributes, DyveSchema.InputScale),
            SfmaPairs: SfmaPairs(attributes.GetInts(DyveSchema.SfmaPairs)),
            InputLayout: LayoutAttribute.Read(attributes, DyveSchema.InputLayout),
            OutputLayout: LayoutAttribute.Read(attributes, DyveSchema.OutputLayout),
            PointwiseChannels: Int(attributes.GetInt(DyveSchema.PointwiseChannels) ?? 0, $"attribute '{DyveSchema.PointwiseChannels}'"));
        spec.Validate();
        // Strided convolutions may run on input channels x stride area phase planes (PhaseSplit), counted in int: bounded
        // like the kernel's own size, so a crafted stride cannot overflow that count (a stride of 2^31 - 1 made session
        // creation loop for billions of phases).
        if ((double)spec.InputChannels * spec.StrideHeight * spec.StrideWidth > int.MaxValue / 8)
            throw new ArgumentException($"attribute 'strides' [{spec.StrideHeight}, {spec.StrideWidth}] with {spec.InputChannels} input channels is too large "
                + $"(input channels x stride height x stride width above {int.MaxValue / 8})");
        return spec;
    }

    /// <summary><c>sfma_pairs</c> as channel indices; the rest of its checks are <see cref="ConvSpec.Validate"/>'s.</summary>
    private static int[]? SfmaPairs(long[]? values)
    {
        if (values is null || values.Length == 0) return null;
        foreach (long channel in values)
            if (channel is < 0 or > int.MaxValue) throw new ArgumentException($"attribute '{DyveSchema.SfmaPairs}' names input channel {channel}");
        return [.. values.Select(v => (int)v)];
    }

    private static long[] Pair(long[]? values, string name)
    {
        values ??= [1, 1];
        if (values.Length != 2) throw new ArgumentException($"attribute '{name}' has {values.Length} values; a 2-D convolution takes 2");
        return values;
    }

    private static int Int(long value, string name) =>
        value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new ArgumentException($"{name} value {value} is out of range");
}
