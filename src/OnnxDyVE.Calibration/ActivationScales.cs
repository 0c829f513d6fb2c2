using Onnx;

namespace OnnxDyVE.Calibration;

/// <summary>
/// Each SDSS node's activation scale: the root mean square of its output over the calibration images, with every
/// mechanism off. Thresholds are given in these units, so one setting means the same for a layer whose outputs
/// are in the hundreds and one whose outputs are below one.
/// </summary>
public static class ActivationScales
{
    /// <returns>Per node name, the scale (1 where the output was zero everywhere, so that it stays usable).</returns>
    public static IReadOnlyDictionary<string, float> Measure(ModelProto model, CalibrationImages images, int threads, IProgress<int>? progress = null)
    {
        IReadOnlyList<NodeProto> nodes = SdssNodes.Find(model);
        if (nodes.Count == 0) return new Dictionary<string, float>();
        // The same model with every SDSS node's output also a graph output.
        ModelProto probe = model.Clone();
        var outputs = new List<string>();
        var graphOutputs = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
        {
            string name = node.Output[0];
            outputs.Add(name);
            if (graphOutputs.Add(name)) probe.Graph.Output.Add(Graph.OnnxProto.FloatValue(name, null));
        }

        var sumOfSquares = new double[nodes.Count];
        var counts = new long[nodes.Count];
        using var runner = new EffortRunner(probe, "the calibration probe", threads);
        runner.ForEachOutput(images, outputs, (index, values) =>
        {
            double sum = 0;
            foreach (float v in values) sum += (double)v * v;
            sumOfSquares[index] += sum;
            counts[index] += values.Length;
        }, progress);

        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            double rms = counts[i] == 0 ? 0 : Math.Sqrt(sumOfSquares[i] / counts[i]);
            scales[nodes[i].Name] = rms > 0 && double.IsFinite(rms) ? (float)rms : 1f;
        }
        return scales;
    }
}
