using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxDyVE.Rewrite.Tests.Support;

/// <summary>Runs a model in ONNX Runtime, stock or with the DyVE operators registered, on seeded random inputs.</summary>
internal static class OrtRunner
{
    /// <summary>Every graph output, by name, for inputs drawn from <paramref name="seed"/> (uniform in [-1, 1), symbolic dimensions 1).</summary>
    /// <param name="effort">Fed as the DyVE effort input (a float scalar) when given; otherwise the model's default applies.</param>
    public static Dictionary<string, float[]> Run(ModelProto model, bool withDyve, int seed, float? effort = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        if (withDyve) options.AppendDyVE();
        using var session = new InferenceSession(model.ToByteArray(), options);
        var random = new Random(seed);
        var inputs = new List<NamedOnnxValue>();
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        // Inputs that name an initializer (as models before IR version 4 list them) take its value.
        foreach (ValueInfoProto input in model.Graph.Input.Where(i => !initializers.Contains(i.Name)))
        {
            // A symbolic dimension (the batch, in converted models) is run at 1.
            int[] shape = [.. input.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? checked((int)d.DimValue) : 1)];
            var values = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() * 2f - 1f;
            inputs.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(values, shape)));
        }
        if (effort is float value) inputs.Add(NamedOnnxValue.CreateFromTensor(EffortInput.Name, new DenseTensor<float>(new[] { value }, [])));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = session.Run(inputs);
        return outputs.ToDictionary(o => o.Name, o => o.AsTensor<float>().ToArray());
    }
}
