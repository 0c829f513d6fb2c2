using Onnx;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// A tensor's rank without running shape inference: declared in value_info, or implied by the operator that
/// writes it, looking through elementwise operators that keep their input's shape. DyveGemm needs a 2-D A, so
/// a MatMul is rewritten only when this says 2.
/// </summary>
internal static class TensorRank
{
    /// <summary>Operators whose output has their first input's shape.</summary>
    private static readonly HashSet<string> ShapePreserving =
        [OpTypes.Relu, OpTypes.LeakyRelu, OpTypes.Clip, "Sigmoid", "Tanh", "Dropout", "Identity", "Softmax", "Elu", "Selu"];

    public static int? Of(string name, GraphIndex graph)
    {
        // Each step moves to an earlier node, so the walk ends; the bound is for graphs with a cycle.
        for (int step = 0; step <= graph.Graph.Node.Count; step++)
        {
            if (graph.DeclaredRank(name) is int declared) return declared;
            NodeProto? producer = graph.Producer(name);
            if (producer is null) return null;
            if (OpTypes.Is(producer, OpTypes.Flatten) || OpTypes.Is(producer, OpTypes.Gemm)
                || (producer.Domain == Schema.DyveSchema.Domain && producer.OpType == Schema.DyveSchema.GemmOp))
                return 2;
            // Reshape to a constant shape has the rank of that shape's length.
            if (OpTypes.Is(producer, OpTypes.Reshape) && producer.Input.Count == 2)
                return graph.Constant(producer.Input[1], out _) is TensorProto shape && shape.Dims.Count == 1 ? (int)Math.Min(shape.Dims[0], int.MaxValue) : null;
            if (!OpTypes.IsDefaultDomain(producer.Domain) || !ShapePreserving.Contains(producer.OpType) || producer.Input.Count == 0) return null;
            name = producer.Input[0];
        }
        return null;
    }
}
