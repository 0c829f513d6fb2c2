namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// One spatial axis of a Caffe pooling window, with Caffe's own arithmetic (pooling_layer.cpp):
/// the output count rounds UP, then drops a last window that would start inside the end padding
/// (only checked when the layer has any padding); AVE divides by the window clipped to the padded
/// bounds [-pad, in + pad), so padding counts and anything beyond it does not.
/// </summary>
internal readonly record struct PoolingAxis(long Input, int Kernel, int Stride, int Pad, bool AnyPad)
{
    /// <summary>Caffe's pooled size: ceil((in + 2 pad - kernel) / stride) + 1, less the clipped last window.</summary>
    public long Output
    {
        get
        {
            long output = (long)Math.Ceiling((double)(Input + 2L * Pad - Kernel) / Stride) + 1;
            if (AnyPad && (output - 1) * Stride >= Input + Pad) output--;
            return output;
        }
    }

    /// <summary>
    /// Padding needed after the input for floor-mode pooling to produce <see cref="Output"/> windows; negative
    /// when the last window ends before the input does, and then no end padding gives the same windows.
    /// </summary>
    public long EndPad => (Output - 1) * Stride + Kernel - Input - Pad;

    /// <summary>Caffe's AVE divisor extent of window <paramref name="index"/>: (hend - hstart) before clipping to the input.</summary>
    public long DivisorExtent(long index)
    {
        long start = index * Stride - Pad;
        long end = Math.Min(start + Kernel, Input + Pad);
        return end - start;
    }
}
