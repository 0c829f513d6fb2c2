using System.Text.Json.Serialization;

namespace OnnxDyVE.Models;

/// <summary>One file a catalogued model needs: where it sits under a models folder, its digest, where to get it.</summary>
/// <param name="Path">Relative to a models folder (../shared/models or the user cache), '/'-separated.</param>
/// <param name="Sha256">Lower-case hex digest; null when no copy has been checked here (the file is fetched by the user).</param>
/// <param name="Source">Where a user obtains the file.</param>
public sealed record CatalogFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("source")] string Source);

/// <summary>How a catalogued model's input is prepared, before the converter turns it into <see cref="Preprocessing"/>.</summary>
public sealed record CatalogPreprocess(
    [property: JsonPropertyName("channel_order")] ChannelOrder ChannelOrder,
    [property: JsonPropertyName("mean")] string? Mean,
    [property: JsonPropertyName("mean_values")] float[]? MeanValues,
    [property: JsonPropertyName("scale")] float Scale,
    [property: JsonPropertyName("resize")] int[]? Resize)
{
    /// <summary>The mean is the model's "mean" file (a Caffe .binaryproto or NumPy .npy image).</summary>
    public bool UsesMeanFile => string.Equals(Mean, "file", StringComparison.Ordinal);
}

/// <summary>Published accuracy of a model, in percent, and where the figure comes from.</summary>
public sealed record ReferenceAccuracy(
    [property: JsonPropertyName("top1")] double? Top1,
    [property: JsonPropertyName("top5")] double? Top5,
    [property: JsonPropertyName("source")] string Source);

/// <summary>A benchmark model: its files, its preprocessing, the data to evaluate and calibrate it on.</summary>
/// <param name="WeightsFormat">"caffemodel" or "deep-compression".</param>
/// <param name="Files">By role: "prototxt", "weights", and optionally "mean".</param>
/// <param name="EvalData">Labelled test folder under the shared data folder, if any.</param>
/// <param name="CalibrationData">Labelled folder for calibration (never for reported accuracy), if any.</param>
public sealed record CatalogEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("weights_format")] string WeightsFormat,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, CatalogFile> Files,
    [property: JsonPropertyName("preprocess")] CatalogPreprocess Preprocess,
    [property: JsonPropertyName("eval_data")] string? EvalData = null,
    [property: JsonPropertyName("calibration_data")] string? CalibrationData = null,
    [property: JsonPropertyName("reference")] ReferenceAccuracy? Reference = null);
