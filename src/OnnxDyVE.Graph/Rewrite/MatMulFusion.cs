using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>MatMul with a constant 2-D right operand (+ Add of a constant bias) (+ Relu / LeakyRelu / Clip) to one DyveGemm.</summary>
internal static class MatMulFusion
{
    public static Fusion? TryFuse(NodeProto matMul, GraphIndex graph, out string whyNot)
    {
        string where = GraphIndex.Describe(matMul);
        if (matMul.Input.Count != 2 || matMul.Output.Count != 1 || matMul.Output[0].Length == 0)
            throw new RewriteException($"{where} has {matMul.Input.Count} inputs and {matMul.Output.Count} outputs; MatMul takes 2 and gives 1");
        TensorProto? b = graph.FloatConstant(matMul.Input[1], "B", out whyNot);
        if (b is null) return null;
        if (b.Dims.Count != 2)
        {
            whyNot = $"B has rank {b.Dims.Count}; DyveGemm takes a 2-D B";
            return null;
        }
        if (b.Dims.Any(d => d <= 0 || d > int.MaxValue))
            throw new RewriteException($"{where}: B '{b.Name}' has shape [{string.Join(", ", b.Dims)}]");
        TensorData.CheckSize(b, where);
        int? rankA = TensorRank.Of(matMul.Input[0], graph);
        if (rankA != 2)
        {
            whyNot = rankA is null
                ? $"A's rank is unknown (no shape declared for '{matMul.Input[0]}'); DyveGemm takes a 2-D A"
                : $"A has rank {rankA}; DyveGemm takes a 2-D A";
            return null;
        }

        var chain = new FusionChain(matMul, graph);
        string? bias = FuseBias(chain, b.Dims[1]);
        FusedActivation activation = chain.FuseActivation();
        string[] inputs = bias is null ? [matMul.Input[0], matMul.Input[1]] : [matMul.Input[0], matMul.Input[1], bias];
        NodeProto dyve = OnnxProto.Node(DyveSchema.GemmOp, DyveSchema.Domain, matMul.Name, inputs, [chain.Output], activation.Attributes);
        return chain.Finish(dyve, []);
    }

    /// <summary>Takes a following Add of a constant that works as Gemm's C, and returns that constant's name.</summary>
    private static string? FuseBias(FusionChain chain, long n)
    {
        NodeProto? add = chain.Follower(node => OpTypes.Is(node, OpTypes.Add), dataInput: -1);
        if (add is null) return null;
        if (add.Input.Count != 2 || add.Input[0] == add.Input[1])
        {
            chain.Decline(add, "it does not add a constant to the product");
            return null;
        }
        string biasName = add.Input[0] == chain.Output ? add.Input[1] : add.Input[0];
        TensorProto? bias = chain.Graph.FloatConstant(biasName, "the added tensor", out string whyNot);
        if (bias is null)
        {
            chain.Decline(add, whyNot);
            return null;
        }
        if (!GemmBiasShape.Fits(bias, n, anyRows: false))
        {
            chain.Decline(add, $"the added constant '{bias.Name}' has shape {GemmBiasShape.Describe(bias)}, which is not a Gemm bias for N = {n}");
            return null;
        }
        TensorData.CheckSize(bias, GraphIndex.Describe(add));
        chain.Absorb(add, FusionKind.BiasAdded);
        return biasName;
    }
}
