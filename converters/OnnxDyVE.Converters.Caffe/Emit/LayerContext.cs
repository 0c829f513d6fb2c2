using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Converters.Caffe.Emit;

/// <summary>What a layer's conversion works with: the layer, its inputs, the graph and the weight source.</summary>
internal sealed class LayerContext(LayerParameter layer, IReadOnlyList<Tensor> inputs, OnnxGraphBuilder graph, ILayerWeights weights, string source)
{
    public LayerParameter Layer { get; } = layer;
    public IReadOnlyList<Tensor> Inputs { get; } = inputs;
    public OnnxGraphBuilder Graph { get; } = graph;

    public string Name => Layer.Name;

    /// <summary>The single input of a one-input layer.</summary>
    public Tensor Input => Inputs.Count == 1 ? Inputs[0] : throw Error($"takes one bottom, has {Inputs.Count}");

    /// <summary>The preferred name of the layer's first output: its first top.</summary>
    public string Top => Layer.Top.Count > 0 ? Layer.Top[0] : throw Error("has no top");

    public CaffeFormatException Error(string message) => new($"{source}: layer '{Layer.Name}' ({Layer.Type}): {message}");

    /// <summary>The layer's blobs from the weight source, once every expected size is within <see cref="TensorLimits"/>.</summary>
    public IReadOnlyList<float[]> TakeBlobs(params BlobSpec[] specs)
    {
        for (int i = 0; i < specs.Length; i++) CheckSize(specs[i].Shape, specs[i].Describe(i));
        return weights.Take(Layer, specs);
    }

    /// <summary>Rejects a size the prototxt implies but no memory could hold, before anything of it is allocated.</summary>
    public void CheckSize(long[] shape, string what) => TensorLimits.CheckedCount(shape, () => $"{source}: layer '{Layer.Name}' ({Layer.Type}): {what}");

    /// <summary>Caffe's CanonicalAxisIndex: negative axes count from the end; out of range is an error.</summary>
    public int Axis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= rank) throw Error($"{what} {axis} is out of range for an input of {rank} axes");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>An input of exactly 4 axes (N, C, H, W): Caffe's 2-D spatial layers.</summary>
    public Tensor Input4D()
    {
        Tensor input = Input;
        if (input.Rank != 4) throw Error($"needs a 4-D input (N, C, H, W), got {input.Describe()}");
        return input;
    }

    /// <summary>A float initializer shaped to broadcast along <paramref name="axis"/> of a rank-<paramref name="rank"/> input.</summary>
    public string BroadcastConstant(string name, float[] values, long[] shape, int axis, int rank)
    {
        long[] dims = [.. shape, .. Enumerable.Repeat(1L, rank - axis - shape.Length)];
        return Graph.Floats($"{Name}/{name}", dims, values);
    }
}
