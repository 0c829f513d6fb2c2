using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Models;

namespace OnnxDyVE.Evaluation;

/// <summary>
/// Turns image files into a model's input tensor inside ONNX Runtime (<see cref="PreprocessGraph"/>). Images of
/// the input's size go straight through; others are resized when the metadata gives a size, then centre-cropped.
/// Not thread-safe: one per evaluating thread.
/// </summary>
public sealed class ImagePreprocessor : IDisposable
{
    private readonly Preprocessing _preprocessing;
    private readonly SessionOptions _decodeOptions;
    private readonly InferenceSession _decode;
    private readonly InferenceSession _normalize;
    private readonly InferenceSession? _resizeAndNormalize;

    public ImagePreprocessor(Preprocessing preprocessing)
    {
        preprocessing.Validate();
        _preprocessing = preprocessing;
        _decodeOptions = new SessionOptions();
        try
        {
            OrtExtensionsLibrary.Register(_decodeOptions);
            _decode = new InferenceSession(PreprocessGraph.Decode().ToByteArray(), _decodeOptions);
            _normalize = new InferenceSession(PreprocessGraph.Normalize(preprocessing, resize: false).ToByteArray());
            if (preprocessing.Resize is not null)
                _resizeAndNormalize = new InferenceSession(PreprocessGraph.Normalize(preprocessing, resize: true).ToByteArray());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Floats in one prepared image: C x h x w.</summary>
    public int InputLength => _preprocessing.Input[0] * _preprocessing.Input[1] * _preprocessing.Input[2];

    /// <summary>Decodes and prepares the image at <paramref name="path"/> into <paramref name="destination"/> (<see cref="InputLength"/> floats).</summary>
    public void Prepare(string path, Span<float> destination)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw new InvalidDataException($"{path}: empty file");
        using OrtValue encoded = OrtValue.CreateTensorValueFromMemory(bytes, [bytes.Length]);
        // Held (and disposed) past both runs: a RunOptions made inside the call is unreachable once its handle is passed,
        // and its finalizer could free the native options while ORT reads them (seen as "terminate flag being set").
        using var runOptions = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> decoded;
        try
        {
            decoded = _decode.Run(runOptions, [PreprocessGraph.BytesInput], [encoded], [PreprocessGraph.PixelsOutput]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: cannot decode the image ({e.Message})", e);
        }
        using (decoded)
        {
            long[] shape = decoded[0].GetTensorTypeAndShape().Shape;
            if (shape is not [_, _, 1 or 3])
                throw new InvalidDataException($"{path}: decoded to pixels of shape [{string.Join(", ", shape)}]; expected H x W x 3 (colour) or H x W x 1 (grey)");
            int height = _preprocessing.Input[1], width = _preprocessing.Input[2];
            bool exact = shape[0] == height && shape[1] == width;
            InferenceSession normalize = exact ? _normalize : _resizeAndNormalize ?? _normalize;
            if (!exact && _resizeAndNormalize is null && (shape[0] < height || shape[1] < width))
                throw new InvalidDataException($"{path}: the image is {shape[1]} x {shape[0]}, smaller than the model's {width} x {height} input, and the model's preprocessing gives no resize");
            using IDisposableReadOnlyCollection<OrtValue> input = normalize.Run(runOptions, [PreprocessGraph.PixelsInput], [decoded[0]], [PreprocessGraph.TensorOutput]);
            input[0].GetTensorDataAsSpan<float>().CopyTo(destination);
        }
    }

    public void Dispose()
    {
        _resizeAndNormalize?.Dispose();
        _normalize?.Dispose();
        _decode?.Dispose();
        _decodeOptions.Dispose();
    }
}
