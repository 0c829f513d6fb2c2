namespace OnnxDyVE.Converters.Caffe;

/// <summary>
/// Bounds on the sizes the converter accepts, checked before anything is allocated from a declared size:
/// a file that claims a trillion-element blob is rejected with a message, not an out-of-memory crash.
/// </summary>
internal static class TensorLimits
{
    /// <summary>No single axis of a CNN comes near a million.</summary>
    public const long MaxDimension = 1 << 20;
    /// <summary>One blob or activation of at most 2^30 floats (4 GiB): VGG-16's largest blob has about 10^8.</summary>
    public const long MaxElements = 1L << 30;

    /// <summary>
    /// All of a converted model's parameters together: 2^29 floats are 2 GiB, protobuf's limit for one message, so a
    /// model past it could not be written as one ONNX file anyway. VGG-16 has about 1.4 x 10^8.
    /// </summary>
    public const long MaxModelParameters = 1L << 29;

    /// <summary>The element count of <paramref name="shape"/>, or an error naming <paramref name="what"/> when it exceeds <see cref="MaxElements"/>.</summary>
    public static long CheckedCount(IEnumerable<long> shape, Func<string> what)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0 || (dim > 0 && count > MaxElements / dim))
                throw new CaffeFormatException($"{what()}: shape [{string.Join(", ", shape)}] has more than {MaxElements} elements or a negative dimension");
            count *= dim;
        }
        return count;
    }
}
