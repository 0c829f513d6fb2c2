using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Models;

namespace OnnxDyVE.Harness;

/// <summary>
/// How closely a DyVE model's output vectors follow the stock model's, image by image: for feature extractors
/// (no classes, so no top-1), the agreement of the top feature (the index of the largest output) and the cosine
/// similarity of the two vectors.
/// </summary>
/// <param name="TopFeatureAgreement">Percent of images whose largest output has the same index in both models.</param>
/// <param name="MeanCosine">Mean over images of cos(stock output, DyVE output).</param>
/// <param name="MinCosine">The lowest of those.</param>
public sealed record FeatureComparisonResult(string Data, int Count, int Features, double TopFeatureAgreement, double MeanCosine, double MinCosine);

public static class FeatureComparison
{
    /// <summary>Both models on the first <paramref name="limit"/> images of <paramref name="dataFolder"/> (labels ignored), each at its stored effort.</summary>
    public static FeatureComparisonResult Run(string stockModel, string dyveModel, string dataFolder, int? limit, int threads, IProgress<int>? progress = null)
    {
        IReadOnlyList<LabelledImage> images = LabelledFolder.Read(dataFolder, limit);
        using SessionOptions stockOptions = ComparisonOptions.Create(threads);
        using SessionOptions dyveOptions = ComparisonOptions.Create(threads);
        using var stock = new InferenceSession(stockModel, stockOptions);
        using var dyve = new InferenceSession(dyveModel, dyveOptions);
        Preprocessing preprocessing = Evaluator.ReadPreprocessing(stock, stockModel);
        using var preprocessor = new ImagePreprocessor(preprocessing);
        var values = new float[preprocessor.InputLength];
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(values, [1, .. preprocessing.Input]);
        using var runOptions = new RunOptions();

        int same = 0, features = 0;
        double sum = 0, min = double.PositiveInfinity;
        for (int i = 0; i < images.Count; i++)
        {
            preprocessor.Prepare(images[i].Path, values);
            using IDisposableReadOnlyCollection<OrtValue> a = stock.Run(runOptions, [stock.InputNames[0]], [input], [stock.OutputNames[0]]);
            using IDisposableReadOnlyCollection<OrtValue> b = dyve.Run(runOptions, [dyve.InputNames[0]], [input], [dyve.OutputNames[0]]);
            ReadOnlySpan<float> x = a[0].GetTensorDataAsSpan<float>(), y = b[0].GetTensorDataAsSpan<float>();
            if (x.Length != y.Length) throw new InvalidDataException($"the stock model gives {x.Length} outputs, the DyVE model {y.Length}");
            features = x.Length;
            if (TopKAccuracy.ArgMax(x) == TopKAccuracy.ArgMax(y)) same++;
            double cosine = Cosine(x, y);
            sum += cosine;
            min = Math.Min(min, cosine);
            progress?.Report(i + 1);
        }
        return new FeatureComparisonResult(dataFolder, images.Count, features, 100.0 * same / images.Count, sum / images.Count, min);
    }

    /// <summary>cos(x, y) in double precision; two zero vectors are identical (1), one zero vector against another is 0.</summary>
    public static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * y[i];
            xx += (double)x[i] * x[i];
            yy += (double)y[i] * y[i];
        }
        if (xx == 0 && yy == 0) return 1;
        if (xx == 0 || yy == 0) return 0;
        return dot / Math.Sqrt(xx * yy);
    }
}
