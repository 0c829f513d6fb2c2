using Onnx;

namespace OnnxDyVE.Calibration;

/// <summary>
/// Tensors of a model on each calibration image, every mechanism off: a tensor the graph computes is read as an extra
/// graph output of a probe copy of the model (in ONNX's layout: blocked tensors made planar again); a graph input (the
/// first layer's image) is read from the images.
/// </summary>
internal static class NodeTensors
{
    /// <param name="visit">A tensor's name and one image's values; each tensor's images come in order.</param>
    public static void ForEach(ModelProto model, IEnumerable<string> names, CalibrationImages images, int threads,
        Action<string, ReadOnlySpan<float>> visit, IProgress<int>? progress = null)
    {
        ModelProto probe = Graph.Rewrite.BlockedLayout.Remove(model);
        var graphInputs = probe.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var graphOutputs = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var computed = new List<string>();
        var inputs = new List<string>();
        foreach (string name in names.Distinct(StringComparer.Ordinal))
        {
            if (graphInputs.Contains(name))
            {
                inputs.Add(name);
                continue;
            }
            computed.Add(name);
            if (graphOutputs.Add(name)) probe.Graph.Output.Add(Graph.OnnxProto.FloatValue(name, null));
        }
        if (computed.Count > 0)
        {
            using var runner = new EffortRunner(probe, "the calibration probe", threads);
            runner.ForEachOutput(images, computed, (index, values) => visit(computed[index], values), progress);
        }
        foreach (string input in inputs)
            foreach (float[] image in images.Inputs) visit(input, image);
    }
}
