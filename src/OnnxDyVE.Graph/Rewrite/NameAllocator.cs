namespace OnnxDyVE.Graph.Rewrite;

/// <summary>Fresh tensor names for folded weights, never clashing with a name the graph already uses.</summary>
internal sealed class NameAllocator(IEnumerable<string> taken)
{
    private readonly HashSet<string> _taken = [.. taken];

    public string Fresh(string wanted)
    {
        string name = wanted;
        for (int i = 1; !_taken.Add(name); i++) name = $"{wanted}_{i}";
        return name;
    }
}
