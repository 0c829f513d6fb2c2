using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Converters.Tests.Models;

/// <summary>Catalogued models convert by name with the catalogue's preprocessing, into the user cache.</summary>
public sealed class CatalogConversionTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("onnxdyve-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Theory]
    [InlineData("cifar10_quick", ChannelOrder.Rgb, 32)]
    [InlineData("squeezenet_v1.0_deep_compression", ChannelOrder.Bgr, 227)]
    public void A_held_model_converts_by_name_with_its_preprocessing(string name, ChannelOrder order, int size)
    {
        if (!SharedData.TryGetFolder(out string shared)) return;
        string path = CatalogConversion.ConvertToCache(name, ModelCatalog.Default, new ModelLocations(shared, _cache));
        Assert.Equal(Path.Combine(_cache, "onnx", $"{name}.onnx"), path);
        Onnx.ModelProto model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Preprocessing preprocessing = Preprocessing.FromJson(Assert.Single(model.MetadataProps, p => p.Key == Preprocessing.MetadataKey).Value);
        Assert.Equal((order, size), (preprocessing.ChannelOrder, preprocessing.Input[2]));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void A_model_whose_weights_are_not_held_names_them_and_writes_nothing()
    {
        if (!SharedData.TryGetFolder(out string shared)) return;
        var error = Assert.Throws<ModelFilesMissingException>(() => CatalogConversion.ConvertToCache("alexnet", ModelCatalog.Default, new ModelLocations(shared, _cache)));
        Assert.Contains("bvlc_alexnet.caffemodel", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_cache, "onnx")));
    }
}
