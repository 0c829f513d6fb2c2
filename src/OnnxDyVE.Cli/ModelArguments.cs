using Google.Protobuf;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;

namespace OnnxDyVE.Cli;

/// <summary>How the verbs that take a model find it: an ONNX file, or a catalogued model's name.</summary>
internal static class ModelArguments
{
    /// <summary>An existing file is the model; anything else is looked up in the catalogue and converted into the cache.</summary>
    /// <param name="calibration">Default to the catalogued model's calibration images rather than its test set.</param>
    public static (FileInfo Model, DirectoryInfo Data) Locate(string model, DirectoryInfo? data, bool calibration = false)
    {
        if (File.Exists(model))
            return (new FileInfo(model), data ?? throw new ArgumentException("--data is required with a model file (a catalogued model's name brings its own test set)"));
        if (model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new FileNotFoundException($"{model} does not exist", model);
        ModelLocations locations = ModelLocations.FromEnvironment();
        CatalogEntry entry = ModelCatalog.Default.Get(model);
        string path = CatalogConversion.ConvertToCache(entry.Name, ModelCatalog.Default, locations);
        if (data is not null) return (new FileInfo(path), data);
        string? folder = calibration ? entry.CalibrationData : entry.EvalData;
        string set = (folder is null ? null : locations.DataFolder(folder))
            ?? throw new ArgumentException($"{entry.Name} names no {(calibration ? "calibration" : "test")} set in the shared folder; give --data");
        return (new FileInfo(path), new DirectoryInfo(set));
    }

    /// <summary>The model rewritten to DyVE operators, beside the original as &lt;name&gt;.dyve.onnx.</summary>
    public static FileInfo Rewrite(FileInfo model)
    {
        RewriteResult rewritten = DyveRewriter.Rewrite(ModelFile.Parse(File.ReadAllBytes(model.FullName), model.FullName));
        string path = Path.ChangeExtension(model.FullName, ".dyve.onnx");
        File.WriteAllBytes(path, rewritten.Model.ToByteArray());
        return new FileInfo(path);
    }
}
