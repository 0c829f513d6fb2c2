using OnnxDyVE.Models;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Models;

public sealed class ModelCatalogTests
{
    [Fact]
    public void The_shipped_catalogue_lists_the_benchmarks()
    {
        ModelCatalog catalog = ModelCatalog.Default;
        foreach (string name in new[] { "cifar10_quick", "cifar10_quick_v2", "cifar10_full", "lenet_mnist", "squeezenet_v1.0_deep_compression", "alexnet", "alexnet_v1", "vgg16", "squeezenet_v1.0", "squeezenet_v1.1" })
            Assert.True(catalog.TryGet(name, out _), name);
        Assert.Equal(74.91, catalog.Get("cifar10_quick").Reference!.Top1);
        Assert.Contains("cifar10_quick", Assert.Throws<KeyNotFoundException>(() => catalog.Get("resnet")).Message);
    }

    [Fact]
    public void Every_file_held_in_the_shared_folder_matches_its_digest()
    {
        if (!SharedData.TryGetFolder(out string shared)) return;
        var resolver = new ModelResolver(ModelCatalog.Default, new ModelLocations(shared, Path.Combine(Path.GetTempPath(), "onnxdyve-no-cache")));
        foreach (string name in new[] { "cifar10_quick", "cifar10_quick_v2", "cifar10_full", "lenet_mnist", "squeezenet_v1.0_deep_compression" })
        {
            ResolvedModel model = resolver.Resolve(name);
            Assert.All(model.Files.Values, path => Assert.True(File.Exists(path), path));
        }
    }

    [Fact]
    public void A_model_whose_weights_are_not_held_says_where_to_get_them()
    {
        string empty = Directory.CreateTempSubdirectory("onnxdyve-empty-").FullName;
        try
        {
            var resolver = new ModelResolver(ModelCatalog.Default, new ModelLocations(empty, Path.Combine(empty, "cache")));
            var error = Assert.Throws<ModelFilesMissingException>(() => resolver.Resolve("vgg16"));
            Assert.Contains("VGG_ILSVRC_16_layers.caffemodel", error.Message);
            Assert.Contains("robots.ox.ac.uk", error.Message);
            Assert.Contains(Path.Combine(empty, "cache", "models"), error.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void An_altered_file_is_refused()
    {
        string folder = Directory.CreateTempSubdirectory("onnxdyve-altered-").FullName;
        try
        {
            var catalog = ModelCatalog.Parse("""
                {"version":1,"models":[{"name":"m","description":"d","weights_format":"caffemodel",
                 "files":{"prototxt":{"path":"m/p.prototxt","sha256":"00","source":"here"},"weights":{"path":"m/w","sha256":null,"source":"there"}},
                 "preprocess":{"channel_order":"bgr","scale":1}}]}
                """);
            Directory.CreateDirectory(Path.Combine(folder, "models", "m"));
            File.WriteAllText(Path.Combine(folder, "models", "m", "p.prototxt"), "name: 'm'");
            File.WriteAllText(Path.Combine(folder, "models", "m", "w"), "weights");
            var error = Assert.Throws<ModelFilesMissingException>(() => new ModelResolver(catalog, new ModelLocations(folder, folder)).Resolve("m"));
            Assert.Contains("does not match the catalogue's sha256", error.Message);
            Assert.DoesNotContain("weights:", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"version":1}""", "no \"models\"")]
    [InlineData("""{"version":1,"models":[{"name":"m","description":"","weights_format":"caffemodel","files":{"prototxt":{"path":"p","sha256":null,"source":"s"}},"preprocess":{"channel_order":"bgr","scale":1}}]}""", "must list a prototxt and a weights file")]
    [InlineData("""{"version":1,"models":[{"name":"m","description":"","weights_format":"caffemodel","files":{"prototxt":{"path":"p","sha256":null,"source":"s"},"weights":{"path":"w","sha256":null,"source":"s"}},"preprocess":{"channel_order":"bgr","mean":"file","scale":1}}]}""", "lists none")]
    public void A_malformed_catalogue_says_what_is_wrong(string json, string expected) =>
        Assert.Contains(expected, Assert.Throws<FormatException>(() => ModelCatalog.Parse(json)).Message);
}
