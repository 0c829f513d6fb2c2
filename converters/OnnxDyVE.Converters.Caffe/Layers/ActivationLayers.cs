using Onnx;
using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using static OnnxDyVE.Graph.OnnxProto;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>Element-wise layers that keep their input's shape: ReLU, Sigmoid, TanH, Power.</summary>
internal static class ActivationLayers
{
    /// <summary>Caffe's ReLU is max(x, 0) + negative_slope * min(x, 0): ONNX Relu, or LeakyRelu with that slope.</summary>
    public static Tensor Relu(LayerContext context)
    {
        Tensor input = context.Input;
        float slope = context.Layer.ReluParam?.NegativeSlope ?? 0f;
        string output = slope == 0f
            ? context.Graph.Add("Relu", context.Name, context.Top, [input.Name])
            : context.Graph.Add("LeakyRelu", context.Name, context.Top, [input.Name], Float("alpha", slope));
        return input with { Name = output };
    }

    public static Tensor Unary(LayerContext context, string opType)
    {
        Tensor input = context.Input;
        return input with { Name = context.Graph.Add(opType, context.Name, context.Top, [input.Name]) };
    }

    /// <summary>
    /// Caffe's Power: (shift + scale * x)^power, one ONNX node per term that is not the identity. When power
    /// or scale is 0 Caffe fills the output with the constant (shift^power, or 1), ignoring x even where it is
    /// infinite or NaN, so that case is a constant of the input's shape.
    /// </summary>
    public static Tensor Power(LayerContext context)
    {
        var p = context.Layer.PowerParam ?? new PowerParameter();
        Tensor input = context.Input;
        var graph = context.Graph;
        if (p.Power == 0f || p.Scale == 0f)
        {
            float constant = p.Power == 0f ? 1f : MathF.Pow(p.Shift, p.Power);
            string shape = graph.Add("Shape", context.Name, $"{context.Name}/shape", [input.Name]);
            var value = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatTensor("", [1], [constant]) };
            return input with { Name = graph.Add("ConstantOfShape", context.Name, context.Top, [shape], value) };
        }
        string result = input.Name;
        if (p.Scale != 1f) result = graph.Add("Mul", context.Name, $"{context.Name}/scaled", [result, graph.Scalar($"{context.Name}/scale", p.Scale)]);
        if (p.Shift != 0f) result = graph.Add("Add", context.Name, $"{context.Name}/shifted", [result, graph.Scalar($"{context.Name}/shift", p.Shift)]);
        if (p.Power != 1f) result = graph.Add("Pow", context.Name, $"{context.Name}/power", [result, graph.Scalar($"{context.Name}/exponent", p.Power)]);
        // All three terms the identity: Caffe copies the input, ONNX an Identity.
        if (result == input.Name) result = graph.Add("Identity", context.Name, context.Top, [input.Name]);
        return input with { Name = result };
    }
}
