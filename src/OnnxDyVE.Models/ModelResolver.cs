using System.Security.Cryptography;

namespace OnnxDyVE.Models;

/// <summary>A catalogued model whose files were all found and checked.</summary>
/// <param name="Files">Full paths by role ("prototxt", "weights", "mean").</param>
public sealed record ResolvedModel(CatalogEntry Entry, IReadOnlyDictionary<string, string> Files);

/// <summary>Thrown when a catalogued model's files are missing or differ from the catalogue; the message says what and where to get it.</summary>
public sealed class ModelFilesMissingException(string message) : Exception(message);

/// <summary>Finds a catalogued model's files in the model folders, first match wins, and checks their digests.</summary>
public sealed class ModelResolver(ModelCatalog catalog, ModelLocations locations)
{
    /// <summary>Resolves <paramref name="name"/>; throws <see cref="ModelFilesMissingException"/> naming every missing or altered file.</summary>
    public ResolvedModel Resolve(string name)
    {
        CatalogEntry entry = catalog.Get(name);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach ((string role, CatalogFile file) in entry.Files)
        {
            string relative = file.Path.Replace('/', Path.DirectorySeparatorChar);
            string[] candidates = locations.ModelFolders.Select(folder => Path.Combine(folder, relative)).ToArray();
            string? path = candidates.FirstOrDefault(File.Exists);
            if (path is null)
            {
                problems.Add($"  {role}: {file.Path} is in none of {string.Join(", ", candidates)}; get it from {file.Source}");
                continue;
            }
            if (file.Sha256 is { } expected && !string.Equals(Sha256(path), expected, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"  {role}: {path} does not match the catalogue's sha256 {expected}; get it again from {file.Source}");
                continue;
            }
            found[role] = path;
        }
        if (problems.Count > 0)
            throw new ModelFilesMissingException($"model {entry.Name} cannot be used:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        return new ResolvedModel(entry, found);
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
