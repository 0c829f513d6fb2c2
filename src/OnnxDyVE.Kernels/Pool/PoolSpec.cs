using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Kernels.Pool;

/// <summary>What a pool takes of its window.</summary>
public enum PoolKind
{
    /// <summary>ONNX MaxPool: the largest value; padded positions never win (they count as minus infinity).</summary>
    Max,
    /// <summary>
    /// ONNX AveragePool: the sum over the window divided by the positions it counts, the padded ones among them only
    /// with <see cref="PoolSpec.CountIncludePad"/>.
    /// </summary>
    Average,
}

/// <summary>
/// A 2-D max or average pool as ONNX defines it with explicit pads, no dilation and floor rounding (what the Caffe
/// converter and most exporters write), over blocked input maps (<see cref="MapLayout.Blocked"/>): the pool that sits
/// between two blocked convolutions, so the maps need not leave the layout. Pads are [top, left, bottom, right], ONNX's
/// order.
/// </summary>
/// <param name="Channels">The input's channels (a blocked shape rounds them up to whole blocks).</param>
/// <param name="CountIncludePad">
/// Average pools only (ONNX's count_include_pad): every window counts as its whole kernel, padding included; in floor
/// rounding no window reaches past the pads, so that is the kernel's size. Otherwise a window counts its input positions.
/// </param>
public sealed record PoolSpec(int Channels, int KernelHeight, int KernelWidth, int StrideHeight = 1, int StrideWidth = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0, MapLayout OutputLayout = MapLayout.Blocked,
    PoolKind Kind = PoolKind.Max, bool CountIncludePad = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first attribute out of range.</summary>
    public void Validate()
    {
        Require(Channels > 0, $"channels must be positive, got {Channels}");
        Require(KernelHeight > 0 && KernelWidth > 0, $"kernel_shape must be positive, got [{KernelHeight}, {KernelWidth}]");
        Require(StrideHeight > 0 && StrideWidth > 0, $"strides must be positive, got [{StrideHeight}, {StrideWidth}]");
        // A window wholly in the padding would have no value to take: ONNX requires pads smaller than the kernel.
        Require(PadTop >= 0 && PadLeft >= 0 && PadBottom >= 0 && PadRight >= 0
            && PadTop < KernelHeight && PadBottom < KernelHeight && PadLeft < KernelWidth && PadRight < KernelWidth,
            $"pads must be at least 0 and smaller than the kernel, got [{PadTop}, {PadLeft}, {PadBottom}, {PadRight}] for kernel [{KernelHeight}, {KernelWidth}]");
        Require(Enum.IsDefined(Kind), $"pool kind {(int)Kind} is not a pool");
        Require(Kind == PoolKind.Average || !CountIncludePad, "count_include_pad applies to average pools only");
    }

    /// <summary>The output size for an input of <paramref name="height"/> x <paramref name="width"/>; throws where none fits.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        long outHeight = ((long)height + PadTop + PadBottom - KernelHeight) / StrideHeight + 1;
        long outWidth = ((long)width + PadLeft + PadRight - KernelWidth) / StrideWidth + 1;
        if (height + PadTop + PadBottom < KernelHeight || width + PadLeft + PadRight < KernelWidth)
            throw new ArgumentException($"a {height} x {width} input with pads [{PadTop}, {PadLeft}, {PadBottom}, {PadRight}] is smaller than the kernel [{KernelHeight}, {KernelWidth}]");
        return ((int)outHeight, (int)outWidth);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
