// Campaigns measure time and allocation (the operator campaign counts every thread's), and the soak measures
// memory: a test running beside them would distort both, so this assembly's tests run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>One collection for the campaigns and the serving tests (the assembly runs no two tests at once anyway).</summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz and soak";
}
