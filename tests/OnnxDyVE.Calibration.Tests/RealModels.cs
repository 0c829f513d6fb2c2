using Onnx;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>A catalogued Caffe model from ../shared, converted and rewritten in memory.</summary>
internal sealed record RealModel(ModelProto Stock, ModelProto Dyve, Preprocessing Preprocessing, string CalibrationFolder, string TestFolder)
{
    /// <summary>Null when the shared folder is absent off CI (SharedData fails the test on CI).</summary>
    public static RealModel? Load(string name)
    {
        if (!SharedData.TryGetFolder(out string shared)) return null;
        var locations = new ModelLocations(shared, Path.Combine(Path.GetTempPath(), "onnxdyve-calibration-tests"));
        ResolvedModel resolved = new ModelResolver(ModelCatalog.Default, locations).Resolve(name);
        CaffeConversion conversion = CatalogConversion.Convert(resolved);
        return new RealModel(conversion.Model, DyveRewriter.Rewrite(conversion.Model).Model, conversion.Preprocessing!,
            locations.DataFolder(resolved.Entry.CalibrationData!)!, locations.DataFolder(resolved.Entry.EvalData!)!);
    }
}
