namespace OnnxDyVE.Harness;

/// <summary>
/// The work of one model's DyVE nodes in a session about to be created: make it before the session, read it
/// while the session is still open (its kernels go when it is disposed). Kernels are found by the model's DyVE
/// node names among those created after this capture: ORT tells a kernel nothing of its session, and other
/// sessions in the process may be making kernels meanwhile.
/// </summary>
public sealed class NodeWorkCapture
{
    private readonly HashSet<string> _nodes;
    private readonly HashSet<(string Node, string Op)> _before;

    public NodeWorkCapture(string dyveModelPath)
        : this(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dyveModelPath)))
    {
    }

    public NodeWorkCapture(Onnx.ModelProto model)
    {
        _nodes = model.Graph.Node.Where(n => n.Domain == Schema.DyveSchema.Domain).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        _before = DyveStatistics.Snapshot().Select(s => (s.Node, s.Op)).ToHashSet();
    }

    public IReadOnlyList<DyveNodeStatistics> Read() =>
        DyveStatistics.Snapshot().Where(s => _nodes.Contains(s.Node) && !_before.Contains((s.Node, s.Op))).ToList();
}
