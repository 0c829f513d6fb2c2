using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe.Means;

/// <summary>Mean images in Caffe's <c>.binaryproto</c> (a BlobProto) or NumPy's <c>.npy</c>, chosen by extension.</summary>
public static class MeanFiles
{
    /// <summary>A mean image is a few MB (ImageNet's 3 x 256 x 256 floats take 768 KiB); 1 GiB bounds any read.</summary>
    public const long MaxFileBytes = 1L << 30;

    public static MeanImage Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new CaffeFormatException($"{path}: file not found");
        if (info.Length > MaxFileBytes) throw new CaffeFormatException($"{path}: {info.Length} bytes is more than a mean image ({MaxFileBytes})");
        byte[] bytes = File.ReadAllBytes(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => NpyReader.Read(bytes, path),
            ".binaryproto" => ReadBinaryProto(bytes, path),
            string other => throw new CaffeFormatException($"{path}: unknown mean file type '{other}' (expected .binaryproto or .npy)"),
        };
    }

    /// <summary>A BlobProto of shape [C, H, W], or [1, C, H, W] as compute_image_mean writes it.</summary>
    public static MeanImage ReadBinaryProto(byte[] bytes, string path)
    {
        BlobProto blob;
        try
        {
            blob = BlobProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (CaffeModelLocator.IsParseFailure(e))
        {
            throw new CaffeFormatException($"{path}: not a Caffe BlobProto: {e.Message}", e);
        }
        float[] values = BlobValues.Values(blob, () => $"{path}: mean blob");
        return new MeanImage(ImageShape(BlobValues.DeclaredShape(blob), path), values);
    }

    internal static int[] ImageShape(long[] shape, string path)
    {
        long[] image = shape is [1, _, _, _] ? shape[1..] : shape;
        if (image is not [> 0 and <= TensorLimits.MaxDimension, > 0 and <= TensorLimits.MaxDimension, > 0 and <= TensorLimits.MaxDimension])
            throw new CaffeFormatException($"{path}: mean shape [{string.Join(", ", shape)}] is not an image [C, H, W] or [1, C, H, W]");
        return [.. image.Select(d => (int)d)];
    }
}
