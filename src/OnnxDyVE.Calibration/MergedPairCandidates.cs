using Onnx;

namespace OnnxDyVE.Calibration;

/// <summary>
/// SFMA's candidate pairs of near-equal input maps for each DyveConv that SFMA applies to (<see cref="SdssNodes"/>),
/// found on calibration images (<see cref="NearEqualMaps"/>): what a node's <c>sfma_pairs</c> lists.
/// </summary>
public static class MergedPairCandidates
{
    /// <summary>Candidate pairs per layer by default: a handful, each a second pass over two maps at every run.</summary>
    public const int DefaultPerLayer = 8;

    /// <param name="perLayer">Most pairs per layer.</param>
    /// <param name="quantile">The share of images a pair's difference is measured at (<see cref="NearEqualMaps.Candidates"/>).</param>
    /// <returns>Per node name (of the model in ONNX's layout, as <see cref="ActivationScales.Measure"/>), its candidates (none for a layer without any).</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<MapPair>> Find(ModelProto model, CalibrationImages images, int threads,
        int perLayer = DefaultPerLayer, double quantile = 0.5, IProgress<int>? progress = null)
    {
        model = Graph.Rewrite.BlockedLayout.Remove(model);
        IReadOnlyList<NodeProto> nodes = SdssNodes.Find(model);
        // Layers reading one tensor (SqueezeNet's expand layers) share its maps' statistics.
        var channels = nodes.GroupBy(n => n.Input[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => InputChannels(model, g.First()), StringComparer.Ordinal);
        var maps = new Dictionary<string, NearEqualMaps>(StringComparer.Ordinal);
        NodeTensors.ForEach(model, channels.Keys, images, threads, (tensor, values) =>
        {
            int c = channels[tensor];
            if (!maps.TryGetValue(tensor, out NearEqualMaps? layer)) maps[tensor] = layer = new NearEqualMaps(c, values.Length / c);
            layer.Add(values);
        }, progress);
        var candidates = maps.ToDictionary(m => m.Key, m => m.Value.Candidates(perLayer, quantile), StringComparer.Ordinal);
        return nodes.ToDictionary(n => n.Name, n => candidates[n.Input[0]], StringComparer.Ordinal);
    }

    /// <summary>The pairs flattened as <c>sfma_pairs</c> takes them: [i0, j0, i1, j1, ...].</summary>
    public static long[] Flatten(IReadOnlyList<MapPair> pairs) => [.. pairs.SelectMany(p => new long[] { p.First, p.Second })];

    /// <summary>C of a one-group node, from its weights (M x C x kH x kW).</summary>
    private static int InputChannels(ModelProto model, NodeProto node) =>
        (int)model.Graph.Initializer.Single(t => t.Name == node.Input[1]).Dims[1];
}
