using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Harness;

/// <summary>
/// A model in a session with its input and output tensors made once, so that <see cref="Run"/> is one native
/// Run call that allocates no tensors: what a timing loop should measure.
/// </summary>
public sealed class PreparedSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _outputs;
    private readonly float[] _output;

    /// <summary>A session over <paramref name="model"/> with one float input and its first output.</summary>
    /// <param name="effort">
    /// The DyVE effort every run feeds as <see cref="EffortFeed.Name"/>; null feeds nothing (the model's default).
    /// </param>
    public PreparedSession(byte[] model, int threads, float[] input, long[] inputShape, float? effort = null)
    {
        _options = ComparisonOptions.Create(threads);
        try
        {
            _session = new InferenceSession(model, _options);
            _inputNames = effort is null ? [_session.InputNames[0]] : [_session.InputNames[0], EffortFeed.Name];
            OrtValue? effortValue = effort is float value ? EffortFeed.Create(_session, value, "the model") : null;
            OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
            _inputs = effortValue is null ? [inputValue] : [inputValue, effortValue];
            _outputNames = [_session.OutputNames[0]];
            using (IDisposableReadOnlyCollection<OrtValue> first = _session.Run(_runOptions, _inputNames, _inputs, _outputNames))
            {
                long[] outputShape = first[0].GetTensorTypeAndShape().Shape;
                _output = first[0].GetTensorDataAsSpan<float>().ToArray();
                _outputs = [OrtValue.CreateTensorValueFromMemory(_output, outputShape)];
            }
        }
        catch
        {
            _session?.Dispose();
            foreach (OrtValue value in _inputs ?? []) value.Dispose();
            _runOptions.Dispose();
            _options.Dispose();
            throw;
        }
    }

    /// <summary>The output of the last run (the array the session writes into).</summary>
    public ReadOnlySpan<float> Output => _output;

    /// <summary>Runs the model into the prepared output.</summary>
    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        foreach (OrtValue value in _inputs) value.Dispose();
        _outputs[0].Dispose();
        _options.Dispose();
    }
}
