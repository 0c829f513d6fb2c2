using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;

namespace OnnxDyVE.Tests.Support;

/// <summary>A named output of one run: its values and shape.</summary>
internal sealed record LayerOutput(float[] Values, long[] Shape);

/// <summary>
/// An ONNX Runtime session over a layer model with the DyVE operators registered, fed through the model's one
/// input. Spinning is off: on two cores, ORT's pool threads spinning after a stock op would only slow the tests.
/// </summary>
internal sealed class LayerSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;

    /// <param name="threads">ORT's intra-op threads; 0 for its default.</param>
    public LayerSession(ModelProto model, bool registerDyve = true, int threads = 0)
    {
        _options = new SessionOptions();
        try
        {
            _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            if (threads > 0) _options.IntraOpNumThreads = threads;
            if (registerDyve) _options.AppendDyVE();
            _session = new InferenceSession(model.ToByteArray(), _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }
    }

    /// <summary>The session, for its metadata.</summary>
    public InferenceSession Session => _session;

    /// <summary>The work of this session's DyVE nodes so far (none without DyVE registered).</summary>
    public IReadOnlyList<DyveNodeStatistics> Statistics() => DyveStatistics.Snapshot(_options);

    /// <summary>The model's outputs, in graph order.</summary>
    public string[] OutputNames => [.. _session.OutputNames];

    /// <summary>Runs on <paramref name="input"/> of <paramref name="shape"/> and returns the named outputs in order.</summary>
    public LayerOutput[] Run(float[] input, long[] shape, params string[] outputs)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        return Run(value, outputs);
    }

    public LayerOutput[] Run(OrtValue input, params string[] outputs) => Run([(LayerModels.Input, input)], outputs);

    /// <summary>Runs on the named <paramref name="inputs"/> (a model's further inputs, such as DyveConv's effort).</summary>
    public LayerOutput[] Run(IReadOnlyList<(string Name, OrtValue Value)> inputs, params string[] outputs)
    {
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results =
            _session.Run(runOptions, [.. inputs.Select(i => i.Name)], [.. inputs.Select(i => i.Value)], outputs);
        return results.Select(result => new LayerOutput(
            result.GetTensorDataAsSpan<float>().ToArray(),
            result.GetTensorTypeAndShape().Shape)).ToArray();
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
