namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// One collection for every test here, so they run one after another: campaigns measure time and allocation,
/// and the soak measures memory, which a neighbour running at the same time would distort.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz and soak";
}
