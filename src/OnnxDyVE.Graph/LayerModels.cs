using OnnxDyVE.Schema;
using Onnx;

namespace OnnxDyVE.Graph;

/// <summary>
/// In-memory ONNX models of a single layer, for tests, benchmarks and the demo. Every model has one input,
/// <see cref="Input"/>, and per requested path one output: <see cref="ReferenceOutput"/>, computed by stock
/// ONNX operators (the layer, then its activation as a separate node), and <see cref="DyveOutput"/>, computed
/// by the one DyVE operator with the activation fused. Both paths read the same initializers, so their outputs
/// must agree up to float rounding. Serialize with Google.Protobuf's <c>ToByteArray()</c>.
/// </summary>
public static partial class LayerModels
{
    /// <summary>The DyVE operators' domain.</summary>
    public const string DyveDomain = DyveSchema.Domain;
    public const long DyveOpsetVersion = DyveSchema.OpsetVersion;
    /// <summary>Opset 13 of the default domain: the first with Clip's bounds as inputs and still widely supported.</summary>
    public const long StandardOpsetVersion = 13;

    /// <summary>The model's only graph input.</summary>
    public const string Input = "X";
    public const string ReferenceOutput = "reference";
    public const string DyveOutput = "dyve";

    /// <summary>IR version 7 is the one that goes with opset 13.</summary>
    private const long IrVersion = 7;

    private const string WeightsName = "W";
    private const string BiasName = "B";
    private const string ClipMinName = "clip_min";
    private const string ClipMaxName = "clip_max";

    /// <summary>Name of the stock layer node's output when an activation node follows it.</summary>
    private const string ReferenceLayerOutput = "reference_layer";

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "OnnxDyVE.Graph",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = StandardOpsetVersion });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = DyveDomain, Version = DyveOpsetVersion });
        return model;
    }

    /// <summary>
    /// Adds the stock path's activation: the node that reads <paramref name="layerOutput"/> and writes
    /// <see cref="ReferenceOutput"/>, or nothing when there is no activation (the layer then writes it itself).
    /// </summary>
    private static void AddReferenceActivation(GraphProto graph, LayerActivation activation, string layerOutput)
    {
        switch (activation.Kind)
        {
            case LayerActivationKind.Relu:
                graph.Node.Add(OnnxProto.Node("Relu", "", "reference_relu", [layerOutput], [ReferenceOutput], []));
                break;
            case LayerActivationKind.LeakyRelu:
                graph.Node.Add(OnnxProto.Node("LeakyRelu", "", "reference_leaky_relu", [layerOutput], [ReferenceOutput],
                    [OnnxProto.Float("alpha", activation.Alpha)]));
                break;
            case LayerActivationKind.Clip:
                graph.Initializer.Add(OnnxProto.FloatScalar(ClipMinName, activation.Min));
                graph.Initializer.Add(OnnxProto.FloatScalar(ClipMaxName, activation.Max));
                graph.Node.Add(OnnxProto.Node("Clip", "", "reference_clip", [layerOutput, ClipMinName, ClipMaxName], [ReferenceOutput], []));
                break;
        }
    }

    /// <summary>Output of the stock layer node: the reference output itself when no activation follows.</summary>
    private static string ReferenceLayerOutputName(LayerActivation activation) =>
        activation.Kind == LayerActivationKind.None ? ReferenceOutput : ReferenceLayerOutput;

    /// <summary>The DyVE operators' activation attributes; none for no activation, so the default is exercised.</summary>
    private static IEnumerable<AttributeProto> DyveActivationAttributes(LayerActivation activation)
    {
        switch (activation.Kind)
        {
            case LayerActivationKind.None:
                yield break;
            case LayerActivationKind.LeakyRelu:
                yield return OnnxProto.String(DyveSchema.Activation, activation.AttributeValue);
                yield return OnnxProto.Float(DyveSchema.ActivationAlpha, activation.Alpha);
                break;
            case LayerActivationKind.Clip:
                yield return OnnxProto.String(DyveSchema.Activation, activation.AttributeValue);
                yield return OnnxProto.Float(DyveSchema.ActivationMin, activation.Min);
                yield return OnnxProto.Float(DyveSchema.ActivationMax, activation.Max);
                break;
            default:
                yield return OnnxProto.String(DyveSchema.Activation, activation.AttributeValue);
                break;
        }
    }

    private static void RequirePaths(LayerPaths paths)
    {
        if ((paths & LayerPaths.Both) == 0 || (paths & ~LayerPaths.Both) != 0)
            throw new ArgumentOutOfRangeException(nameof(paths), paths, "a layer model needs the reference path, the DyVE path or both");
    }
}
