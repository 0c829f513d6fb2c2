using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>Gemm (+ Relu / LeakyRelu / Clip fused) to one DyveGemm.</summary>
internal static class GemmFusion
{
    /// <summary>Gemm's attributes that DyveGemm shares; the pre-opset-7 broadcast flag is implied by C's shape.</summary>
    private static readonly HashSet<string> SharedAttributes = ["alpha", "beta", "transA", "transB"];

    public static Fusion? TryFuse(NodeProto gemm, GraphIndex graph, out string whyNot)
    {
        string where = GraphIndex.Describe(gemm);
        if (gemm.Input.Count is < 2 or > 3 || gemm.Output.Count != 1 || gemm.Output[0].Length == 0)
            throw new RewriteException($"{where} has {gemm.Input.Count} inputs and {gemm.Output.Count} outputs; Gemm takes 2 or 3 and gives 1");
        TensorProto? b = graph.FloatConstant(gemm.Input[1], "B", out whyNot);
        if (b is null) return null;
        if (b.Dims.Count != 2 || b.Dims.Any(d => d <= 0 || d > int.MaxValue))
            throw new RewriteException($"{where}: B '{b.Name}' has shape [{string.Join(", ", b.Dims)}]; Gemm takes a matrix");
        TensorData.CheckSize(b, where);
        bool transB = gemm.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
        long n = transB ? b.Dims[0] : b.Dims[1];
        bool hasC = gemm.Input.Count == 3 && gemm.Input[2].Length > 0;
        // A C computed at run time is fine (DyveGemm reads it per Run); a constant one is checked here, where the node can be named.
        if (hasC && graph.Constant(gemm.Input[2], out _) is TensorProto c && !GemmBiasShape.Fits(c, n, anyRows: true))
            throw new RewriteException($"{where}: C '{c.Name}' has shape {GemmBiasShape.Describe(c)}, which does not broadcast to M x {n}");

        var chain = new FusionChain(gemm, graph);
        FusedActivation activation = chain.FuseActivation();
        string[] inputs = hasC ? [gemm.Input[0], gemm.Input[1], gemm.Input[2]] : [gemm.Input[0], gemm.Input[1]];
        IEnumerable<AttributeProto> attributes = gemm.Attribute.Where(a => SharedAttributes.Contains(a.Name)).Select(a => a.Clone()).Concat(activation.Attributes);
        NodeProto dyve = OnnxProto.Node(DyveSchema.GemmOp, DyveSchema.Domain, gemm.Name, inputs, [chain.Output], attributes);
        return chain.Finish(dyve, []);
    }
}
