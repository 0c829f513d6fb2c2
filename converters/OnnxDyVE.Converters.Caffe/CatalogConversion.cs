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
}
