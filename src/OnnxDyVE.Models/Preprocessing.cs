using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxDyVE.Models;

/// <summary>Order of the colour channels a model's first input expects.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChannelOrder>))]
public enum ChannelOrder
{
    [JsonStringEnumMemberName("rgb")] Rgb,
    [JsonStringEnumMemberName("bgr")] Bgr,
    [JsonStringEnumMemberName("gray")] Gray,
}

/// <summary>A mean image subtracted pixel by pixel: C x H x W float32 values.</summary>
/// <param name="Shape">[C, H, W]; when H x W exceeds the input, the centre is used (as Caffe crops it).</param>
/// <param name="Values">C x H x W values, row-major.</param>
public sealed record MeanImage(
    [property: JsonPropertyName("shape")] int[] Shape,
    [property: JsonPropertyName("values")] float[] Values);

/// <summary>
/// How an image becomes a model's input, carried by the model itself in <c>metadata_props</c> under
/// <see cref="MetadataKey"/>, so evaluation and benchmarks feed it exactly as it was trained, with no flags.
/// In order: decode; if <see cref="Resize"/>, resize to it; centre-crop to the input's H x W;
/// order channels; subtract the mean (image or per-channel values, in the model's channel order); multiply by
/// <see cref="Scale"/>. Caffe's DataTransformer does the same: (pixel - mean) * scale.
/// </summary>
public sealed record Preprocessing
{
    public const string MetadataKey = "onnxdyve.preprocess";

    [JsonPropertyName("channel_order")]
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Bgr;

    /// <summary>[C, H, W] of one input image.</summary>
    [JsonPropertyName("input")]
    public int[] Input { get; init; } = [];

    [JsonPropertyName("mean_values")]
    public float[]? MeanValues { get; init; }

    [JsonPropertyName("mean_image")]
    public MeanImage? MeanImage { get; init; }

    [JsonPropertyName("scale")]
    public float Scale { get; init; } = 1f;

    /// <summary>
    /// [H, W] every image is resized to (bilinear, aspect not kept, as Caffe's convert_imageset does) before the
    /// centre crop to the input size; null: images are centre-cropped as they are.
    /// </summary>
    [JsonPropertyName("resize")]
    public int[]? Resize { get; init; }

    private static readonly JsonSerializerOptions s_options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, s_options);

    /// <summary>
    /// The preprocessing a model's metadata value records (null: the model has none); throws
    /// <see cref="InvalidDataException"/> naming <paramref name="model"/> when it is missing or wrong.
    /// </summary>
    public static Preprocessing FromMetadata(string? json, string model)
    {
        if (json is null)
            throw new InvalidDataException($"{model} has no '{MetadataKey}' metadata: convert it with `dyve convert`, which records how its input is prepared");
        try
        {
            return FromJson(json);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{model}: {e.Message}", e);
        }
    }

    /// <summary>Parses and checks the metadata value; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Preprocessing FromJson(string json)
    {
        Preprocessing? value;
        try
        {
            value = JsonSerializer.Deserialize<Preprocessing>(json, s_options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{MetadataKey}: not valid preprocessing JSON ({e.Message})", e);
        }
        if (value is null) throw new FormatException($"{MetadataKey}: empty");
        value.Validate();
        return value;
    }

    /// <summary>Throws <see cref="FormatException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (Input is not [var c, var h, var w] || c <= 0 || h <= 0 || w <= 0 || (long)c * h * w > 1 << 26)
            throw new FormatException($"{MetadataKey}: input must be [C, H, W] with positive sizes, got [{string.Join(", ", Input ?? [])}]");
        int expectedChannels = ChannelOrder == ChannelOrder.Gray ? 1 : 3;
        if (c != expectedChannels)
            throw new FormatException($"{MetadataKey}: channel_order {ChannelOrder} needs {expectedChannels} input channels, input has {c}");
        if (MeanValues is not null && MeanValues.Length != c)
            throw new FormatException($"{MetadataKey}: mean_values has {MeanValues.Length} values for {c} channels");
        if (MeanValues is not null && MeanImage is not null)
            throw new FormatException($"{MetadataKey}: give mean_values or mean_image, not both");
        if (MeanImage is { } mean)
        {
            if (mean.Shape is not [var mc, var mh, var mw] || mc != c || mh < h || mw < w)
                throw new FormatException($"{MetadataKey}: mean_image shape [{string.Join(", ", mean.Shape ?? [])}] must be [{c}, >= {h}, >= {w}]");
            if (mean.Values is null || mean.Values.Length != (long)mc * mh * mw)
                throw new FormatException($"{MetadataKey}: mean_image holds {mean.Values?.Length ?? 0} values, its shape needs {(long)mc * mh * mw}");
        }
        if (!float.IsFinite(Scale) || Scale == 0)
            throw new FormatException($"{MetadataKey}: scale must be finite and non-zero, got {Scale}");
        if (Resize is not null && (Resize is not [var rh, var rw] || rh < h || rw < w || rh > 1 << 14 || rw > 1 << 14))
            throw new FormatException($"{MetadataKey}: resize [{string.Join(", ", Resize)}] must be [H, W], at least the input's {h} x {w} and at most 16384");
    }
}
