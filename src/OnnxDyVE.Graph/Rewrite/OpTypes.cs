namespace OnnxDyVE.Graph.Rewrite;

/// <summary>The ONNX operators the rewriter recognises, in the default domain.</summary>
internal static class OpTypes
{
    public const string Conv = "Conv";
    public const string Gemm = "Gemm";
    public const string MatMul = "MatMul";
    public const string Add = "Add";
    public const string BatchNormalization = "BatchNormalization";
    public const string Relu = "Relu";
    public const string LeakyRelu = "LeakyRelu";
    public const string Clip = "Clip";
    public const string Flatten = "Flatten";
    public const string Reshape = "Reshape";
    public const string Constant = "Constant";
    public const string Concat = "Concat";
    public const string MaxPool = "MaxPool";
    public const string AveragePool = "AveragePool";
    public const string Mul = "Mul";
    public const string Pow = "Pow";
    public const string Log = "Log";
    public const string Exp = "Exp";
    public const string Sqrt = "Sqrt";
    public const string Div = "Div";

    /// <summary>The default ONNX domain is spelled "" or "ai.onnx".</summary>
    public static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";

    public static bool Is(Onnx.NodeProto node, string opType) => node.OpType == opType && IsDefaultDomain(node.Domain);
}
