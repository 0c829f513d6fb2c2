using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// A tensor's rank without running shape inference: declared in value_info, or implied by the operator that
/// writes it. DyveGemm needs a 2-D A, so a MatMul is rewritten only when this says 2.
/// </summary>
internal static class TensorRank
{
    public static int? Of(string name, GraphIndex graph)
    {
        if (graph.DeclaredRank(name) is int declared) return declared;
        NodeProto? producer = graph.Producer(name);
        if (producer is null) return null;
        if (OpTypes.Is(producer, OpTypes.Flatten) || OpTypes.Is(producer, OpTypes.Gemm)
            || (producer.Domain == Schema.DyveSchema.Domain && producer.OpType == Schema.DyveSchema.GemmOp))
            return 2;
        // Reshape to a constant shape has the rank of that shape's length.
        if (OpTypes.Is(producer, OpTypes.Reshape) && producer.Input.Count == 2
            && graph.Constant(producer.Input[1], out _) is TensorProto shape && shape.Dims.Count == 1)
            return (int)Math.Min(shape.Dims[0], int.MaxValue);
        return null;
    }
}
