namespace OnnxDyVE.Schema;

/// <summary>
/// How a model names the DyVE operators: <see cref="ConvOp"/> and <see cref="GemmOp"/> in domain
/// <see cref="Domain"/>, with ONNX Conv's and Gemm's own inputs and attributes plus the ones below.
/// </summary>
public static class DyveSchema
{
    public const string Domain = "ai.onnxdyve";
    public const long OpsetVersion = 1;

    public const string ConvOp = "DyveConv";
    public const string GemmOp = "DyveGemm";

    /// <summary>String attribute: the activation fused into the output, one of <see cref="ActivationKinds"/>.</summary>
    public const string Activation = "activation";
    /// <summary>Float attribute: leaky_relu's slope for negative inputs.</summary>
    public const string ActivationAlpha = "activation_alpha";
    /// <summary>Float attributes: clip's bounds.</summary>
    public const string ActivationMin = "activation_min";
    public const string ActivationMax = "activation_max";

    /// <summary>
    /// Int attribute of DyveGemm, 0 or 1 (default 1): skip the k at which every row of A is zero (batch up to 12).
    /// Exact: the output is bit-identical to the dense product's.
    /// </summary>
    public const string SkipZeroInputs = "skip_zero_inputs";

    /// <summary>
    /// Int attribute of DyveConv, 0 or 1 (default 1): leave out the input channels that are zero everywhere (SFMA's
    /// exact part). Exact: the output is bit-identical to the dense product's.
    /// </summary>
    public const string SkipZeroMaps = "skip_zero_maps";

    /// <summary>Values of <see cref="Activation"/>.</summary>
    public static class ActivationKinds
    {
        public const string None = "none";
        public const string Relu = "relu";
        public const string LeakyRelu = "leaky_relu";
        public const string Clip = "clip";
    }
}
