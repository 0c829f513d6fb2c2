using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>Layers that move or regroup values without arithmetic: Softmax's axis aside, Concat, Flatten, Reshape.</summary>
internal static class ShapeLayers
{
    /// <summary>Caffe's Softmax normalises along one axis, as ONNX Softmax does from opset 13 on.</summary>
    public static Tensor Softmax(LayerContext context)
    {
        Tensor input = context.Input;
        int axis = context.Axis(context.Layer.SoftmaxParam?.Axis ?? 1, input.Rank);
        return input with { Name = context.Graph.Add("Softmax", context.Name, context.Top, [input.Name], Int("axis", axis)) };
    }

    /// <summary>Concat along <c>axis</c>, or the legacy <c>concat_dim</c> when that is the one given.</summary>
    public static Tensor Concat(LayerContext context)
    {
        var p = context.Layer.ConcatParam ?? new ConcatParameter();
        Tensor first = context.Inputs.Count > 0 ? context.Inputs[0] : throw context.Error("has no bottoms");
        int axis = p.HasConcatDim && !p.HasAxis ? context.Axis(p.ConcatDim, first.Rank, "concat_dim") : context.Axis(p.Axis, first.Rank);
        long[] shape = [.. first.Shape];
        foreach (Tensor other in context.Inputs.Skip(1))
        {
            bool compatible = other.Rank == first.Rank && Enumerable.Range(0, first.Rank).All(i => i == axis || other.Shape[i] == first.Shape[i]);
            if (!compatible) throw context.Error($"cannot concatenate {other.Describe()} with {first.Describe()} along axis {axis}");
            shape[axis] += other.Shape[axis];
        }
        string output = context.Graph.Add("Concat", context.Name, context.Top, [.. context.Inputs.Select(t => t.Name)], Int("axis", axis));
        return new Tensor(output, shape);
    }

    /// <summary>Caffe's Flatten merges axes <c>axis</c>..<c>end_axis</c> into one.</summary>
    public static Tensor Flatten(LayerContext context)
    {
        var p = context.Layer.FlattenParam ?? new FlattenParameter();
        Tensor input = context.Input;
        int start = context.Axis(p.Axis, input.Rank), end = context.Axis(p.EndAxis, input.Rank, "end_axis");
        if (end < start) throw context.Error($"end_axis {p.EndAxis} comes before axis {p.Axis}");
        long merged = input.Shape[start..(end + 1)].Aggregate(1L, (a, b) => a * b);
        return Reshaped(context, input, [.. input.Shape[..start], merged, .. input.Shape[(end + 1)..]], [.. Enumerable.Range(0, start), -1, .. Enumerable.Range(end + 1, input.Rank - end - 1)]);
    }

    /// <summary>
    /// Caffe's Reshape replaces input axes [axis, axis + num_axes) with <c>shape</c>, where 0 copies the input
    /// axis at the same place and one -1 takes what is left.
    /// </summary>
    public static Tensor Reshape(LayerContext context)
    {
        var p = context.Layer.ReshapeParam ?? throw context.Error("reshape_param is missing");
        Tensor input = context.Input;
        long[] spec = [.. p.Shape?.Dim ?? []];
        // Axis -1 means after the last axis, so a negative axis counts from rank + 1.
        int start = p.Axis < 0 ? context.Axis(p.Axis, input.Rank + 1) : p.Axis <= input.Rank ? p.Axis : throw context.Error($"axis {p.Axis} is beyond the input's {input.Rank} axes");
        int end = p.NumAxes == -1 ? input.Rank : p.NumAxes >= 0 && start + p.NumAxes <= input.Rank ? start + p.NumAxes : throw context.Error($"num_axes {p.NumAxes} does not fit from axis {start} in {input.Rank} axes");
        if (spec.Count(d => d == -1) > 1 || spec.Any(d => d < -1)) throw context.Error("shape may hold one -1 and no other negative size");
        var sources = new List<int>();
        var shape = new List<long>();
        for (int i = 0; i < start; i++) Keep(i);
        for (int i = 0; i < spec.Length; i++)
        {
            if (spec[i] == 0)
            {
                if (start + i >= input.Rank) throw context.Error($"shape entry {i} copies axis {start + i}, which the input does not have");
                Keep(start + i);
            }
            else
            {
                sources.Add(spec[i] == -1 ? -1 : -2);
                shape.Add(spec[i]);
            }
        }
        for (int i = end; i < input.Rank; i++) Keep(i);
        long total = input.Shape.Aggregate(1L, (a, b) => a * b);
        int inferred = shape.IndexOf(-1);
        long known = shape.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) throw context.Error($"cannot infer the -1 size: {total} values do not divide by {known}");
            shape[inferred] = total / known;
        }
        else if (known != total) throw context.Error($"shape [{string.Join(", ", shape)}] holds {known} values, the input {input.Describe()} has {total}");
        return Reshaped(context, input, [.. shape], [.. sources]);

        void Keep(int axis)
        {
            sources.Add(axis);
            shape.Add(input.Shape[axis]);
        }
    }

    /// <summary>
    /// An ONNX Reshape to <paramref name="shape"/>. The batch stays symbolic when the batch axis is kept in place
    /// (ONNX 0 copies it); a -1 entry (source -1) lets ONNX infer the size; any other size is written out.
    /// </summary>
    private static Tensor Reshaped(LayerContext context, Tensor input, long[] shape, int[] sources)
    {
        long[] target = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++) target[i] = i == 0 && sources[0] == 0 ? 0 : sources[i] == -1 ? -1 : shape[i];
        var graph = context.Graph;
        string output = graph.Add("Reshape", context.Name, context.Top, [input.Name, graph.Int64s($"{context.Name}/shape", target)]);
        return new Tensor(output, shape);
    }
}
