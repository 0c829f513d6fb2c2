namespace OnnxDyVE.Tests.Support;

/// <summary>
/// Locates the shared data folder: <c>../shared</c> beside the repository root (the folder holding
/// OnnxDyVE.sln). It is optional on a developer's machine, so tests that need it pass vacuously there
/// (xunit 2 has no run-time skip); on CI (<c>CI=true</c>) it must exist, so its absence fails the test
/// instead of silently testing nothing.
/// </summary>
internal static class SharedData
{
    private const string SolutionFile = "OnnxDyVE.sln";

    /// <summary>The folder that contains OnnxDyVE.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where the shared folder is expected, whether or not it exists.</summary>
    public static string ExpectedFolder => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The shared folder, or false when it is missing on a developer's machine (the caller returns early).
    /// Throws when it is missing on CI.
    /// </summary>
    public static bool TryGetFolder(out string folder)
    {
        folder = ExpectedFolder;
        if (Directory.Exists(folder)) return true;
        if (IsCi) throw new DirectoryNotFoundException($"CI=true but the shared data folder {folder} does not exist");
        return false;
    }

    /// <summary>A file in the shared folder, under the same rules as <see cref="TryGetFolder"/>.</summary>
    public static bool TryGetFile(string relativePath, out string path)
    {
        path = "";
        if (!TryGetFolder(out string folder)) return false;
        path = Path.Combine(folder, relativePath);
        if (File.Exists(path)) return true;
        if (IsCi) throw new FileNotFoundException($"CI=true but the shared data file {path} does not exist", path);
        return false;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile))) return directory.FullName;
        }
        throw new DirectoryNotFoundException($"no folder above {AppContext.BaseDirectory} contains {SolutionFile}");
    }
}
