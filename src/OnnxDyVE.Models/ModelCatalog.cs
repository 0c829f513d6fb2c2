using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxDyVE.Models;

/// <summary>The benchmark models this project knows by name (models/catalog.json, embedded in this assembly).</summary>
public sealed class ModelCatalog
{
    private const string ResourceName = "OnnxDyVE.Models.catalog.json";

    private readonly Dictionary<string, CatalogEntry> _byName;

    public ModelCatalog(IEnumerable<CatalogEntry> models)
    {
        Models = models.ToList();
        _byName = new Dictionary<string, CatalogEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (CatalogEntry model in Models)
            if (!_byName.TryAdd(model.Name, model))
                throw new FormatException($"model catalogue: the name '{model.Name}' appears twice");
    }

    public IReadOnlyList<CatalogEntry> Models { get; }

    /// <summary>The catalogue shipped with the tools.</summary>
    public static ModelCatalog Default { get; } = LoadEmbedded();

    public bool TryGet(string name, out CatalogEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>The entry named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> listing the known names.</summary>
    public CatalogEntry Get(string name) =>
        TryGet(name, out CatalogEntry entry)
            ? entry
            : throw new KeyNotFoundException($"no model named '{name}' in the catalogue; known: {string.Join(", ", Models.Select(m => m.Name))}");

    public static ModelCatalog Parse(string json)
    {
        CatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<CatalogDocument>(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"model catalogue: {e.Message}", e);
        }
        if (document?.Models is null) throw new FormatException("model catalogue: no \"models\" array");
        foreach (CatalogEntry model in document.Models)
        {
            if (string.IsNullOrWhiteSpace(model.Name)) throw new FormatException("model catalogue: a model has no name");
            if (model.Files is null || !model.Files.ContainsKey("prototxt") || !model.Files.ContainsKey("weights"))
                throw new FormatException($"model catalogue: {model.Name} must list a prototxt and a weights file");
            if (model.Preprocess.UsesMeanFile && !model.Files.ContainsKey("mean"))
                throw new FormatException($"model catalogue: {model.Name} subtracts a mean file but lists none");
        }
        return new ModelCatalog(document.Models);
    }

    private static ModelCatalog LoadEmbedded()
    {
        using Stream stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the model catalogue resource {ResourceName} is missing from {typeof(ModelCatalog).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private sealed record CatalogDocument(
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("models")] List<CatalogEntry>? Models);
}
