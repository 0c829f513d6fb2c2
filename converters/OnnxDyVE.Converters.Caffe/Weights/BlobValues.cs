using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Weights;

/// <summary>A BlobProto's shape and values, checked against each other and against what the reader expects.</summary>
internal static class BlobValues
{
    /// <summary>
    /// The blob's shape as Caffe's Blob::FromProto reads it: the legacy num/channels/height/width when any of
    /// them is set, else <c>shape</c> (absent means a scalar). Legacy shapes are always 4-D, so they are
    /// compared with the expected shape padded with leading 1s, as Caffe does.
    /// </summary>
    public static long[] DeclaredShape(BlobProto blob) =>
        IsLegacy(blob) ? [blob.Num, blob.Channels, blob.Height, blob.Width] : [.. blob.Shape?.Dim ?? []];

    private static bool IsLegacy(BlobProto blob) => blob.HasNum || blob.HasChannels || blob.HasHeight || blob.HasWidth;

    /// <summary>The values of a blob whose declared shape and element count match <paramref name="spec"/>.</summary>
    public static float[] Checked(BlobProto blob, BlobSpec spec, Func<string> where)
    {
        long[] declared = DeclaredShape(blob);
        long[] expected = IsLegacy(blob) ? LegacyShape(spec.Shape) : spec.Shape;
        if (!declared.SequenceEqual(expected))
            throw new CaffeFormatException($"{where()}: declared shape [{string.Join(", ", declared)}] but the layer needs [{string.Join(", ", expected)}]");
        return Values(blob, spec.Count, where);
    }

    /// <summary>The values of a blob of any declared shape (a mean file), with count and shape agreeing.</summary>
    public static float[] Values(BlobProto blob, Func<string> where)
    {
        long count = TensorLimits.CheckedCount(DeclaredShape(blob), where);
        return Values(blob, count, where);
    }

    private static float[] Values(BlobProto blob, long count, Func<string> where)
    {
        if (blob.Data.Count > 0 && blob.DoubleData.Count > 0) throw new CaffeFormatException($"{where()}: holds both float and double data");
        long stored = blob.Data.Count > 0 ? blob.Data.Count : blob.DoubleData.Count;
        if (stored != count) throw new CaffeFormatException($"{where()}: holds {stored} values, its shape needs {count}");
        if (blob.Data.Count > 0) return [.. blob.Data];
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)blob.DoubleData[i];
        return values;
    }

    /// <summary>Caffe's LegacyShape: a shape of up to 4 axes, padded with leading 1s to num/channels/height/width.</summary>
    private static long[] LegacyShape(long[] shape) =>
        shape.Length > 4 ? shape : [.. Enumerable.Repeat(1L, 4 - shape.Length), .. shape];
}
