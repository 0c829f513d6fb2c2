using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Net;

/// <summary>
/// A Caffe net in one form whatever its source: inputs gathered from <c>input</c>/<c>input_dim</c>,
/// <c>input_shape</c> or Input layers; legacy V1 layers upgraded to <see cref="LayerParameter"/> with
/// V2 type names; only the layers of the TEST phase, in file order, Input layers removed.
/// </summary>
public sealed record CaffeNet(string Name, IReadOnlyList<CaffeInput> Inputs, IReadOnlyList<LayerParameter> Layers, string Source);
