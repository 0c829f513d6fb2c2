using OnnxDyVE.Converters.Caffe.Emit;
using OnnxDyVE.Converters.Caffe.Proto;
using Op = OnnxDyVE.Converters.Caffe.Proto.EltwiseParameter.Types.EltwiseOp;

namespace OnnxDyVE.Converters.Caffe.Layers;

/// <summary>
/// Caffe's Eltwise over bottoms of one shape (Caffe does not broadcast): SUM of coefficient-weighted
/// bottoms (each coefficient 1 unless given, one per bottom), PROD, or MAX.
/// </summary>
internal static class EltwiseLayer
{
    public static Tensor Convert(LayerContext context)
    {
        var p = context.Layer.EltwiseParam ?? new EltwiseParameter();
        IReadOnlyList<Tensor> inputs = context.Inputs;
        if (inputs.Count < 2) throw context.Error($"needs at least 2 bottoms, has {inputs.Count}");
        Tensor first = inputs[0];
        foreach (Tensor other in inputs.Skip(1))
        {
            if (!other.Shape.SequenceEqual(first.Shape)) throw context.Error($"bottoms differ in shape: {first.Describe()} and {other.Describe()}");
        }
        if (p.Coeff.Count > 0 && (p.Operation != Op.Sum || p.Coeff.Count != inputs.Count))
            throw context.Error($"coeff needs operation SUM and one value per bottom ({inputs.Count}), got {p.Coeff.Count}");
        var graph = context.Graph;
        string[] names = [.. inputs.Select(t => t.Name)];
        string output = p.Operation switch
        {
            Op.Sum => graph.Add("Sum", context.Name, context.Top, Weighted(context, names, p.Coeff)),
            Op.Prod => graph.Add("Mul", context.Name, context.Top, ProductOfAllButLast(context, names)),
            Op.Max => graph.Add("Max", context.Name, context.Top, names),
            _ => throw context.Error($"operation {p.Operation} is not supported"),
        };
        return first with { Name = output };
    }

    private static string[] Weighted(LayerContext context, string[] names, IReadOnlyList<float> coefficients)
    {
        if (coefficients.Count == 0) return names;
        var graph = context.Graph;
        return [.. names.Select((name, i) => coefficients[i] == 1f ? name
            : graph.Add("Mul", context.Name, $"{context.Name}/weighted{i}", [name, graph.Scalar($"{context.Name}/coeff{i}", coefficients[i])]))];
    }

    /// <summary>Binary Mul's two inputs: the product of every bottom but the last (left to right, as Caffe multiplies), and the last.</summary>
    private static string[] ProductOfAllButLast(LayerContext context, string[] names)
    {
        string product = names[0];
        for (int i = 1; i < names.Length - 1; i++) product = context.Graph.Add("Mul", context.Name, $"{context.Name}/product{i}", [product, names[i]]);
        return [product, names[^1]];
    }
}
