using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// One single-layer model in an ONNX Runtime session, with its input and output tensors made once, so that
/// <see cref="Run"/> is a single native Run call that allocates no tensors.
/// </summary>
internal sealed class LayerSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _outputs;

    public LayerSession(byte[] model, int threads, string inputName, float[] input, long[] inputShape, string outputName, long[] outputShape)
    {
        _options = Options(threads);
        _session = new InferenceSession(model, _options);
        _inputNames = [inputName];
        _inputs = [OrtValue.CreateTensorValueFromMemory(input, inputShape)];
        _outputNames = [outputName];
        _outputs = [OrtValue.CreateTensorValueFromMemory(new float[ElementCount(outputShape)], outputShape)];
    }

    /// <summary>
    /// The options of every session, stock or DyVE alike: <paramref name="threads"/> intra-op threads that do not
    /// spin, since spinning pool threads steal time from whatever runs next (ORT-INTEROP pitfall 7).
    /// </summary>
    public static SessionOptions Options(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options.AppendDyVE();
    }

    /// <summary>Runs the model into the preallocated output and returns it.</summary>
    public OrtValue Run()
    {
        _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);
        return _outputs[0];
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
        _inputs[0].Dispose();
        _outputs[0].Dispose();
    }

    private static int ElementCount(long[] shape)
    {
        long count = 1;
        foreach (long dim in shape) count = checked(count * dim);
        return checked((int)count);
    }
}
