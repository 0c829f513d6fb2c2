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
    /// <returns>Per node name, the scales (1 where the tensor was zero everywhere, so that it stays usable).</returns>
    public static IReadOnlyDictionary<string, NodeScales> Measure(ModelProto model, CalibrationImages images, int threads, IProgress<int>? progress = null)
    {
        IReadOnlyList<NodeProto> nodes = SdssNodes.Find(model);
        if (nodes.Count == 0) return new Dictionary<string, NodeScales>();
        // The same model with every SDSS node's output and input also a graph output; an input that is the graph's
        // own (the first layer's image) is read from the images.
        ModelProto probe = model.Clone();
        var graphInputs = probe.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var graphOutputs = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var tensors = new List<string>();
        foreach (string name in nodes.SelectMany(n => new[] { n.Output[0], n.Input[0] }).Distinct(StringComparer.Ordinal))
        {
            if (graphInputs.Contains(name)) continue;
            tensors.Add(name);
            if (graphOutputs.Add(name)) probe.Graph.Output.Add(Graph.OnnxProto.FloatValue(name, null));
        }

        var sums = new Dictionary<string, (double Squares, long Count)>(StringComparer.Ordinal);
        void Add(string tensor, ReadOnlySpan<float> values)
        {
            double squares = 0;
            foreach (float v in values) squares += (double)v * v;
            (double total, long count) = sums.GetValueOrDefault(tensor);
            sums[tensor] = (total + squares, count + values.Length);
        }
        using (var runner = new EffortRunner(probe, "the calibration probe", threads))
            runner.ForEachOutput(images, tensors, (index, values) => Add(tensors[index], values), progress);
        foreach (string graphInput in nodes.Select(n => n.Input[0]).Where(graphInputs.Contains).Distinct(StringComparer.Ordinal))
            foreach (float[] image in images.Inputs) Add(graphInput, image);

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
