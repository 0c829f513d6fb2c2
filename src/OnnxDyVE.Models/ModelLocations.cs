namespace OnnxDyVE.Models;

/// <summary>
/// Where the tools look for models and data: the shared folder (../shared beside the repository, or
/// ONNXDYVE_SHARED), then the user's cache (ONNXDYVE_CACHE, else $XDG_CACHE_HOME/onnxdyve, else ~/.cache/onnxdyve).
/// </summary>
public sealed record ModelLocations(string? SharedFolder, string CacheFolder)
{
    public const string SharedVariable = "ONNXDYVE_SHARED";
    public const string CacheVariable = "ONNXDYVE_CACHE";
    private const string SolutionFile = "OnnxDyVE.sln";

    /// <summary>Model folders in the order they are searched.</summary>
    public IEnumerable<string> ModelFolders
    {
        get
        {
            if (SharedFolder is not null) yield return Path.Combine(SharedFolder, "models");
            yield return Path.Combine(CacheFolder, "models");
        }
    }

    /// <summary>A data set under the shared folder (e.g. "cifar10/test"), or null when there is no shared folder.</summary>
    public string? DataFolder(string relative) => SharedFolder is null ? null : Path.Combine(SharedFolder, "data", relative);

    /// <summary>Locations from the environment and the repository the process runs in (found from the working directory, then the tool's own folder).</summary>
    public static ModelLocations FromEnvironment()
    {
        string? shared = Environment.GetEnvironmentVariable(SharedVariable);
        if (string.IsNullOrEmpty(shared))
        {
            string? repository = FindRepository(Environment.CurrentDirectory) ?? FindRepository(AppContext.BaseDirectory);
            string? candidate = repository is null ? null : Path.GetFullPath(Path.Combine(repository, "..", "shared"));
            shared = candidate is not null && Directory.Exists(candidate) ? candidate : null;
        }
        return new ModelLocations(shared, CacheFromEnvironment());
    }

    private static string CacheFromEnvironment()
    {
        string? cache = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrEmpty(cache)) return cache;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "onnxdyve");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "onnxdyve");
    }

    private static string? FindRepository(string start)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile))) return directory.FullName;
        return null;
    }
}
