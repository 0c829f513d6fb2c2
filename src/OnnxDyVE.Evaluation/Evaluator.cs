using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Models;

namespace OnnxDyVE.Evaluation;

/// <summary>What an evaluation measured. Accuracies in percent.</summary>
/// <param name="Predictions">The top-1 class of each image, in the data's order (to compare two models image by image).</param>
public sealed record EvaluationResult(string Model, string Data, int Count, double Top1, double Top5, double Seconds, IReadOnlyList<int> Predictions)
{
    /// <summary>Percentage of images on which this model's top-1 class equals <paramref name="other"/>'s.</summary>
    public double Top1Agreement(EvaluationResult other)
    {
        if (other.Predictions.Count != Predictions.Count)
            throw new ArgumentException($"{Model} was evaluated on {Predictions.Count} images, {other.Model} on {other.Predictions.Count}");
        return TopKAccuracy.Agreement(Predictions, other.Predictions);
    }
}

/// <summary>
/// Top-1 and top-5 accuracy of a classifier over a labelled folder. The model carries its own preprocessing
/// (<see cref="Preprocessing.MetadataKey"/> in its metadata), so nothing about the input is configured here.
/// </summary>
public static class Evaluator
{
    /// <param name="modelPath">An ONNX classifier: first input 1 x C x h x w, first output the class scores.</param>
    /// <param name="options">Session options for the model (stock, or with DyVE appended); null for defaults.</param>
    /// <param name="progress">Reports the number of images done.</param>
    /// <param name="beforeDispose">Called after the last image, while the model's session is still open (to read its operators' counters).</param>
    /// <param name="effort">
    /// The DyVE effort to run every image at, fed as <see cref="EffortFeed.Name"/>; null feeds nothing, so a rewritten
    /// model runs at the default its file holds.
    /// </param>
    public static EvaluationResult Run(string modelPath, string dataFolder, int? limit, SessionOptions? options = null,
        IProgress<int>? progress = null, Action? beforeDispose = null, float? effort = null)
    {
        IReadOnlyList<LabelledImage> images = LabelledFolder.Read(dataFolder, limit);
        using InferenceSession session = options is null ? new InferenceSession(modelPath) : new InferenceSession(modelPath, options);
        Preprocessing preprocessing = ReadPreprocessing(session, modelPath);
        using var preprocessor = new ImagePreprocessor(preprocessing);

        string inputName = session.InputNames[0];
        string outputName = session.OutputNames[0];
        var input = new float[preprocessor.InputLength];
        long[] inputShape = [1, .. preprocessing.Input];
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using OrtValue? effortValue = effort is float value ? EffortFeed.Create(session, value, modelPath) : null;
        string[] inputNames = effortValue is null ? [inputName] : [inputName, EffortFeed.Name];
        OrtValue[] inputValues = effortValue is null ? [inputValue] : [inputValue, effortValue];
        using var runOptions = new RunOptions();
        var accuracy = new TopKAccuracy();
        var predictions = new int[images.Count];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < images.Count; i++)
        {
            preprocessor.Prepare(images[i].Path, input);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, inputValues, [outputName]);
            ReadOnlySpan<float> scores = outputs[0].GetTensorDataAsSpan<float>();
            accuracy.Add(scores, images[i].Label);
            predictions[i] = TopKAccuracy.ArgMax(scores);
            progress?.Report(i + 1);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        beforeDispose?.Invoke();
        return new EvaluationResult(modelPath, dataFolder, accuracy.Count, accuracy.Top1Percent, accuracy.Top5Percent, seconds, predictions);
    }

    /// <summary>The model's preprocessing metadata; throws <see cref="InvalidDataException"/> when it has none.</summary>
    public static Preprocessing ReadPreprocessing(InferenceSession session, string modelPath) =>
        Preprocessing.FromMetadata(session.ModelMetadata.CustomMetadataMap.GetValueOrDefault(Preprocessing.MetadataKey), modelPath);
}
