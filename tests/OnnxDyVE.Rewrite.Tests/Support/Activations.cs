namespace OnnxDyVE.Rewrite.Tests.Support;

/// <summary>The activations a test appends after a layer, in the forms ONNX models carry them.</summary>
public enum ActivationCase
{
    None,
    Relu,
    LeakyRelu,
    /// <summary>Clip with min and max as constant inputs (opset 11 on).</summary>
    ClipInputs,
    /// <summary>Clip with only min as an input, max left out.</summary>
    ClipMinOnly,
    /// <summary>Clip with min and max as attributes (before opset 11); the model is built at opset 10.</summary>
    ClipAttributes,
}

internal static class Activations
{
    /// <summary>The opset a model with <paramref name="activation"/> is built at.</summary>
    public static long Opset(ActivationCase activation) => activation == ActivationCase.ClipAttributes ? 10 : 13;

    /// <summary>Appends the activation node after <paramref name="input"/>; returns its output (or the input for none).</summary>
    public static string Append(ModelBuilder model, ActivationCase activation, string input) => activation switch
    {
        ActivationCase.None => input,
        ActivationCase.Relu => model.Node("Relu", "act", [input]),
        ActivationCase.LeakyRelu => model.Node("LeakyRelu", "act", [input], OnnxProto.Float("alpha", 0.2f)),
        ActivationCase.ClipInputs => model.Node("Clip", "act", [input, model.Scalar("clip_min", -0.5f), model.Scalar("clip_max", 0.75f)]),
        ActivationCase.ClipMinOnly => model.Node("Clip", "act", [input, model.Scalar("clip_min", 0.1f), ""]),
        ActivationCase.ClipAttributes => model.Node("Clip", "act", [input], OnnxProto.Float("min", -0.25f), OnnxProto.Float("max", 0.5f)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
