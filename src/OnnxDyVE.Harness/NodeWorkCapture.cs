namespace OnnxDyVE.Harness;

/// <summary>
/// The work of one model's DyVE nodes in a session about to be created: make it before the session, read it
/// while the session is still open (its kernels go when it is disposed). ORT tells a kernel nothing of its
/// session, so the session's kernels are those created after this capture under the model's DyVE node names;
/// <see cref="Seal"/>, called once the session exists, fixes that set, so that sessions created later (of the
/// same model, say) are not counted in.
/// </summary>
public sealed class NodeWorkCapture
{
    private readonly HashSet<string> _nodes;
    private readonly long _lastBefore;
    private HashSet<long>? _kernels;

    public NodeWorkCapture(string dyveModelPath)
        : this(Graph.Rewrite.ModelFile.Read(dyveModelPath))
    {
    }

    public NodeWorkCapture(Onnx.ModelProto model)
    {
        _nodes = model.Graph.Node.Where(n => n.Domain == Schema.DyveSchema.Domain).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        _lastBefore = DyveStatistics.LastKernel;
    }

    /// <summary>Fixes the kernels read from now on to those that exist now.</summary>
    public void Seal() => _kernels = Find().Select(s => s.Kernel).ToHashSet();

    public IReadOnlyList<DyveNodeStatistics> Read() => _kernels is null ? Find() : [.. Find().Where(s => _kernels.Contains(s.Kernel))];

    private List<DyveNodeStatistics> Find() =>
        [.. DyveStatistics.Snapshot().Where(s => s.Kernel > _lastBefore && _nodes.Contains(s.Node))];
}
