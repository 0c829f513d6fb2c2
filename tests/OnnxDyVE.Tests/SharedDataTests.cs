using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests;

public sealed class SharedDataTests
{
    [Fact]
    public void Repository_root_holds_the_solution()
    {
        Assert.True(File.Exists(Path.Combine(SharedData.RepositoryRoot, "OnnxDyVE.sln")));
    }

    [Fact]
    public void Shared_folder_is_beside_the_repository_or_absent_off_CI()
    {
        // On CI a missing folder throws here; elsewhere it may be absent.
        if (!SharedData.TryGetFolder(out string folder)) return;
        Assert.Equal(Path.GetFullPath(Path.Combine(SharedData.RepositoryRoot, "..", "shared")), folder);
    }
}
