using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Weights;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>Caffe's BatchNorm (normalisation only; its affine part is a separate Scale layer) and Scale.</summary>
internal static class NormalizationLayers
{
    /// <summary>
    /// BatchNorm with stored statistics: blobs mean, variance and a moving-average factor that both are divided
    /// by (0 gives 0). Caffe computes (x - mean) / sqrt(variance + eps) in that order, so the graph does too
    /// (Sub, then Div by a standard deviation computed here in float), rather than ONNX's fused form.
    /// </summary>
    public static Tensor BatchNorm(LayerContext context)
    {
        var p = context.Layer.BatchNormParam ?? new BatchNormParameter();
        if (p.HasUseGlobalStats && !p.UseGlobalStats) throw context.Error("use_global_stats: false normalises with batch statistics at inference; not supported");
        Tensor input = context.Input;
        if (input.Rank < 2) throw context.Error($"needs an input with a channel axis, got {input.Describe()}");
        long channels = input.Shape[1];
        IReadOnlyList<float[]> blobs = context.TakeBlobs(
            new BlobSpec(BlobRole.Mean, [channels]), new BlobSpec(BlobRole.Variance, [channels]), new BlobSpec(BlobRole.MovingAverageFactor, [1]));
        float factor = blobs[2][0] == 0f ? 0f : 1f / blobs[2][0];
        float[] mean = [.. blobs[0].Select(m => m * factor)];
        float[] deviation = [.. blobs[1].Select(v => MathF.Sqrt(v * factor + p.Eps))];
        var graph = context.Graph;
        string centred = graph.Add("Sub", context.Name, $"{context.Name}/centred", [input.Name, context.BroadcastConstant("mean", mean, [channels], 1, input.Rank)]);
        return input with { Name = graph.Add("Div", context.Name, context.Top, [centred, context.BroadcastConstant("deviation", deviation, [channels], 1, input.Rank)]) };
    }

    /// <summary>
    /// Scale with a learned blob covering input axes [axis, axis + num_axes) (num_axes -1: to the end), and a
    /// bias of the same shape when bias_term. Scaling by a second bottom is not supported.
    /// </summary>
    public static Tensor Scale(LayerContext context)
    {
        var p = context.Layer.ScaleParam ?? new ScaleParameter();
        Tensor input = context.Input;
        int axis = context.Axis(p.Axis, input.Rank);
        if (axis == 0) throw context.Error("axis 0 would scale across the batch; not supported");
        int end = p.NumAxes == -1 ? input.Rank : p.NumAxes >= 0 && axis + p.NumAxes <= input.Rank ? axis + p.NumAxes : throw context.Error($"num_axes {p.NumAxes} does not fit from axis {axis}");
        long[] shape = input.Shape[axis..end];
        IReadOnlyList<float[]> blobs = p.BiasTerm
            ? context.TakeBlobs(new BlobSpec(BlobRole.Scale, shape), new BlobSpec(BlobRole.Shift, shape))
            : context.TakeBlobs(new BlobSpec(BlobRole.Scale, shape));
        var graph = context.Graph;
        string scaled = graph.Add("Mul", context.Name, p.BiasTerm ? $"{context.Name}/scaled" : context.Top, [input.Name, context.BroadcastConstant("scale", blobs[0], shape, axis, input.Rank)]);
        if (!p.BiasTerm) return input with { Name = scaled };
        return input with { Name = graph.Add("Add", context.Name, context.Top, [scaled, context.BroadcastConstant("bias", blobs[1], shape, axis, input.Rank)]) };
    }
}
