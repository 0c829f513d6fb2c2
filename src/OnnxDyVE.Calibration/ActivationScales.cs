using Onnx;

namespace OnnxDyVE.Calibration;

/// <summary>A node's scales: the RMS of its output (SDSS's and SPET's unit) and of its input X (SFMA's unit).</summary>
public readonly record struct NodeScales(float Activation, float Input);

/// <summary>
/// Each SDSS node's activation and input scales: the root mean square of its output and of its input over the
/// calibration images, with every mechanism off. Thresholds are given in these units, so one setting means the same
/// for a layer whose values are in the hundreds and one whose values are below one.
/// </summary>
public static class ActivationScales
{
    /// <returns>
    /// Per node name, the scales (1 where the tensor was zero everywhere, so that it stays usable): the nodes of the
    /// model in ONNX's layout, where a fire module's fused expands are two nodes again.
    /// </returns>
    public static IReadOnlyDictionary<string, NodeScales> Measure(ModelProto model, CalibrationImages images, int threads, IProgress<int>? progress = null)
    {
        model = Graph.Rewrite.BlockedLayout.Remove(model);
        IReadOnlyList<NodeProto> nodes = SdssNodes.Find(model);
        if (nodes.Count == 0) return new Dictionary<string, NodeScales>();
        var sums = new Dictionary<string, (double Squares, long Count)>(StringComparer.Ordinal);
        NodeTensors.ForEach(model, nodes.SelectMany(n => new[] { n.Output[0], n.Input[0] }), images, threads, (tensor, values) =>
        {
            double squares = 0;
            foreach (float v in values) squares += (double)v * v;
            (double total, long count) = sums.GetValueOrDefault(tensor);
            sums[tensor] = (total + squares, count + values.Length);
        }, progress);

        var scales = new Dictionary<string, NodeScales>(StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
            scales[node.Name] = new NodeScales(Rms(sums.GetValueOrDefault(node.Output[0])), Rms(sums.GetValueOrDefault(node.Input[0])));
        return scales;
    }

    private static float Rms((double Squares, long Count) sum)
    {
        double rms = sum.Count == 0 ? 0 : Math.Sqrt(sum.Squares / sum.Count);
        return rms > 0 && double.IsFinite(rms) ? (float)rms : 1f;
    }
}
