using Google.Protobuf;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>Converts a catalogued Caffe model, found by <see cref="ModelResolver"/>, with the catalogue's preprocessing.</summary>
public static class CatalogConversion
{
    public static CaffeConversion Convert(ResolvedModel model)
    {
        CatalogEntry entry = model.Entry;
        string weights = model.Files["weights"];
        CaffeWeightsSource source = entry.WeightsFormat switch
        {
            "caffemodel" => new CaffeWeightsSource.CaffeModel(weights),
            "deep-compression" => new CaffeWeightsSource.DeepCompression(weights),
            string other => throw new FormatException($"model catalogue: {entry.Name} has weights_format '{other}'; expected caffemodel or deep-compression"),
        };
        CatalogPreprocess preprocess = entry.Preprocess;
        if (preprocess.Resize is { } resize && (resize.Length != 2 || resize[0] != resize[1]))
            throw new FormatException($"model catalogue: {entry.Name} resizes to [{string.Join(", ", resize)}]; the converter takes square sizes");
        var options = new CaffeConversionOptions
        {
            MeanFile = preprocess.UsesMeanFile ? model.Files["mean"] : null,
            MeanValues = preprocess.MeanValues,
            Scale = preprocess.Scale,
            ChannelOrder = preprocess.ChannelOrder,
            Resize = preprocess.Resize?[0],
        };
        return CaffeConverter.ConvertFiles(model.Files["prototxt"], source, options);
    }

    /// <summary>
    /// The catalogued model <paramref name="name"/> as an ONNX file in the user's cache (<c>onnx/&lt;name&gt;.onnx</c>),
    /// converted now from its checked source files; throws <see cref="ModelFilesMissingException"/> saying what is missing.
    /// </summary>
    public static string ConvertToCache(string name, ModelCatalog catalog, ModelLocations locations)
    {
        ResolvedModel model = new ModelResolver(catalog, locations).Resolve(name);
        CaffeConversion conversion = Convert(model);
        string folder = Path.Combine(locations.CacheFolder, "onnx");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{model.Entry.Name}.onnx");
        // Written beside and moved into place, so a reader never sees half a model.
        string partial = path + ".partial";
        File.WriteAllBytes(partial, conversion.Model.ToByteArray());
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
