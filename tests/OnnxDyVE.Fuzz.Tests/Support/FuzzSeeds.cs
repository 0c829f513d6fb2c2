using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// The real files of ../shared that seed the campaigns, read where they are (never copied into the repository).
/// Each property is null when the shared folder is absent on a developer's machine; SharedData fails on CI.
/// </summary>
internal static class FuzzSeeds
{
    public const string Caffe = "models/caffe";

    /// <summary>Every prototxt under models/caffe: deploy and train/test nets, V1 and V2, the architecture-only ones.</summary>
    public static IReadOnlyList<(string Name, string Text)>? Prototxts()
    {
        if (!SharedData.TryGetFolder(out string shared)) return null;
        string folder = Path.Combine(shared, Caffe);
        return [.. Directory.EnumerateFiles(folder, "*.prototxt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(path => (Path.GetRelativePath(folder, path), File.ReadAllText(path)))];
    }

    /// <summary>A shared file's bytes, or null when the shared folder is absent off CI.</summary>
    public static byte[]? Bytes(string relativePath) =>
        SharedData.TryGetFile(relativePath, out string path) ? File.ReadAllBytes(path) : null;

    public static string? Text(string relativePath) =>
        SharedData.TryGetFile(relativePath, out string path) ? File.ReadAllText(path) : null;
}
