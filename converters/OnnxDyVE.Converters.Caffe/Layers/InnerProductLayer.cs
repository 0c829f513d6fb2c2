using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Weights;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// Caffe's InnerProduct: the input's axes from <c>axis</c> on are flattened into K, and y = x W^T + b with
/// W stored [N, K] (or [K, N] when <c>transpose</c>). With axis 1 that is ONNX Flatten + Gemm; a later axis
/// keeps the leading axes, so it becomes Reshape + MatMul + Add.
/// </summary>
internal static class InnerProductLayer
{
    public static Tensor Convert(LayerContext context)
    {
        var p = context.Layer.InnerProductParam ?? throw context.Error("inner_product_param is missing");
        Tensor input = context.Input;
        int axis = context.Axis(p.Axis, input.Rank);
        if (axis == 0) throw context.Error("axis 0 would mix the batch into the product; not supported");
        long k = input.Shape[axis..].Aggregate(1L, (a, b) => a * b), n = p.NumOutput;
        if (n < 1) throw context.Error("num_output must be at least 1");
        var weightsSpec = new BlobSpec(BlobRole.Weights, p.Transpose ? [k, n] : [n, k], k);
        IReadOnlyList<float[]> blobs = p.BiasTerm ? context.TakeBlobs(weightsSpec, new BlobSpec(BlobRole.Bias, [n])) : context.TakeBlobs(weightsSpec);
        var graph = context.Graph;
        long[] outputShape = [.. input.Shape[..axis], n];
        if (axis == 1)
        {
            string flat = input.Rank == 2 ? input.Name : graph.Add("Flatten", context.Name, $"{context.Name}/flat", [input.Name], Int("axis", 1));
            List<string> inputs = [flat, graph.Floats($"{context.Name}/weights", weightsSpec.Shape, blobs[0])];
            if (p.BiasTerm) inputs.Add(graph.Floats($"{context.Name}/bias", [n], blobs[1]));
            return new Tensor(graph.Add("Gemm", context.Name, context.Top, [.. inputs], Int("transB", p.Transpose ? 0 : 1)), outputShape);
        }
        long[] keep = [0, .. input.Shape[1..axis], k];
        string reshaped = graph.Add("Reshape", context.Name, $"{context.Name}/flat", [input.Name, graph.Int64s($"{context.Name}/flat_shape", keep)]);
        float[] kByN = p.Transpose ? blobs[0] : Transposed(blobs[0], n, k);
        string product = graph.Add("MatMul", context.Name, p.BiasTerm ? $"{context.Name}/product" : context.Top,
            [reshaped, graph.Floats($"{context.Name}/weights", [k, n], kByN)]);
        string output = p.BiasTerm ? graph.Add("Add", context.Name, context.Top, [product, graph.Floats($"{context.Name}/bias", [n], blobs[1])]) : product;
        return new Tensor(output, outputShape);
    }

    private static float[] Transposed(float[] rowsByColumns, long rows, long columns)
    {
        var result = new float[rowsByColumns.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < columns; c++) result[c * rows + r] = rowsByColumns[r * columns + c];
        return result;
    }
}
