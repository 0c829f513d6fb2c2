using Onnx;
using OnnxDyVE.Models;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>A converted model with what a user wants to see of it.</summary>
/// <param name="ParameterCount">Every learned value: weights, biases, statistics.</param>
/// <param name="WeightCount">Convolution and InnerProduct weights, of which <paramref name="NonZeroWeightCount"/> are non-zero.</param>
/// <param name="Preprocessing">What the model carries under <see cref="Preprocessing.MetadataKey"/>; null when its input is not an image.</param>
public sealed record CaffeConversion(ModelProto Model, long ParameterCount, long WeightCount, long NonZeroWeightCount, IReadOnlyList<string> Outputs, Preprocessing? Preprocessing);
