using System.Text.Json;
using System.Text.Json.Serialization;
using Onnx;

namespace OnnxDyVE.Calibration;

/// <summary>One measured operating point: at this run-time effort, this agreement and this operation count.</summary>
/// <param name="Agreement">Top-1 agreement with the unmodified model on the calibration images, in percent.</param>
/// <param name="OpsReduction">Dense over executed operations (MACs plus overhead) of the DyVE nodes.</param>
public sealed record FrontierPoint(
    [property: JsonPropertyName("effort")] float Effort,
    [property: JsonPropertyName("agreement")] double Agreement,
    [property: JsonPropertyName("ops_reduction")] double OpsReduction);

/// <summary>
/// The accuracy/effort frontier calibration measured, kept in the model (metadata <see cref="MetadataKey"/>) so
/// that a service choosing a run-time effort knows what each one cost and saved on the calibration images.
/// </summary>
public static class EffortFrontier
{
    public const string MetadataKey = "onnxdyve.effort_frontier";

    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = false };

    public static void Write(ModelProto model, IReadOnlyList<FrontierPoint> points)
    {
        StringStringEntryProto? existing = model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey);
        if (existing is not null) model.MetadataProps.Remove(existing);
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = MetadataKey,
            Value = JsonSerializer.Serialize(points.OrderBy(p => p.Effort).ToArray(), s_options),
        });
    }

    /// <summary>The stored points in order of effort; empty when the model was never calibrated.</summary>
    public static IReadOnlyList<FrontierPoint> Read(ModelProto model)
    {
        StringStringEntryProto? entry = model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey);
        if (entry is null) return [];
        try
        {
            return JsonSerializer.Deserialize<FrontierPoint[]>(entry.Value, s_options) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"metadata '{MetadataKey}' is not a list of effort points: {e.Message}", e);
        }
    }
}
