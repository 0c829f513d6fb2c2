namespace OnnxDyVE.Converters.Caffe.Net;

/// <summary>A net input blob and its shape as the prototxt declares it (the first axis is the batch).</summary>
public sealed record CaffeInput(string Name, long[] Shape);
