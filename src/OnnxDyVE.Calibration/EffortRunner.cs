using Microsoft.ML.OnnxRuntime;
using Google.Protobuf;
using Onnx;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Harness;
using OnnxDyVE.Kernels;

namespace OnnxDyVE.Calibration;

/// <summary>
/// What one pass over the calibration images gave: each image's top-1 class, the lead in its first output of the
/// class it was asked about (the reference's top class; its own top-1 for a reference pass), and the DyVE nodes' work.
/// </summary>
public sealed record CalibrationPass(float? Effort, IReadOnlyList<int> Predictions, IReadOnlyList<ClassLead> Leads, IReadOnlyList<DyveNodeStatistics> Layers)
{
    /// <summary>The work of all DyVE nodes together; its <see cref="CounterValues.OpsReduction"/> is the paper's metric.</summary>
    public CounterValues Total { get; } = CounterValues.Sum(Layers.Select(l => l.Counters));

    /// <summary>Percentage of images whose top-1 class equals <paramref name="reference"/>'s.</summary>
    public double Agreement(IReadOnlyList<int> reference) => TopKAccuracy.Agreement(Predictions, reference);

    /// <summary>
    /// Agreement with the first images of <paramref name="reference"/>, a pass over these images and maybe more,
    /// counted over the images from <paramref name="first"/> on (100 when there are none).
    /// </summary>
    public double Agreement(CalibrationPass reference, int first = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        if (first >= Predictions.Count) return 100;
        return TopKAccuracy.Agreement(Predictions.Skip(first).ToArray(), reference.Predictions.Take(Predictions.Count).Skip(first).ToArray());
    }

    /// <summary>
    /// Agreement expected on further images like these (<see cref="MarginAgreement"/>), against the first images of
    /// <paramref name="reference"/>, from the losses of the images from <paramref name="firstLoss"/> on.
    /// </summary>
    public double ExpectedAgreement(CalibrationPass reference, int firstLoss = 0) => MarginAgreement.Expected(Leads, reference.Leads, firstLoss);

    /// <summary>
    /// The agreement calibration holds a setting to: the lower of the one measured and the one expected on further
    /// images, both from the images from <paramref name="first"/> on, so that a setting passes only if those images'
    /// answers stayed and their margins say others would too. The held-out check counts only the held-out images:
    /// the tuning images are the ones the settings were chosen to keep (cifar10_full on 500: no answer changed among
    /// the 375 tuning images, 2 among the 125 held out, 1.6% lost beyond them).
    /// </summary>
    public double CautiousAgreement(CalibrationPass reference, int first = 0) =>
        Math.Min(Agreement(reference, first), ExpectedAgreement(reference, first));
}

/// <summary>
/// One model in one session (DyVE registered), run over the calibration images as often as needed, each pass at
/// an effort of its own fed through the model's effort input: no session is made again to try an effort.
/// </summary>
public sealed class EffortRunner : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly string _name;

    public EffortRunner(ModelProto model, string name, int threads)
    {
        _name = name;
        _options = ComparisonOptions.Create(threads);
        try
        {
            _session = new InferenceSession(model.ToByteArray(), _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }
    }

    /// <param name="effort">The run-time effort to feed; null: feed none (the model's default, or a model without DyVE).</param>
    /// <param name="reference">A reference pass over these images (or more): the leads kept are those of its top classes; null: of each image's own.</param>
    public CalibrationPass Run(CalibrationImages images, float? effort, IProgress<int>? progress = null, CalibrationPass? reference = null)
    {
        IReadOnlyList<DyveNodeStatistics> before = DyveStatistics.Snapshot(_options);
        var predictions = new int[images.Count];
        var leads = new ClassLead[images.Count];
        RunAll(images, effort, [_session.OutputNames[0]], (image, outputs) =>
        {
            ReadOnlySpan<float> scores = outputs[0].GetTensorDataAsSpan<float>();
            predictions[image] = TopKAccuracy.ArgMax(scores);
            int top = reference?.Predictions[image] ?? predictions[image];
            if (top >= scores.Length) throw new InvalidDataException($"image {image}: {scores.Length} scores, the reference's top class is {top}");
            leads[image] = ClassLead.Of(scores, top);
        }, progress);
        IReadOnlyList<DyveNodeStatistics> after = DyveStatistics.Snapshot(_options);
        var layers = after.Select(a => a with { Counters = a.Counters - before.First(b => b.Kernel == a.Kernel).Counters }).ToList();
        return new CalibrationPass(effort, predictions, leads, layers);
    }

    /// <summary>
    /// Runs every image with effort off (fed as 0 where the model has an effort input to feed) and hands each of
    /// <paramref name="outputs"/> (by index) to <paramref name="visit"/>.
    /// </summary>
    public void ForEachOutput(CalibrationImages images, IReadOnlyList<string> outputs, Action<int, ReadOnlySpan<float>> visit, IProgress<int>? progress = null)
    {
        float? off = _session.OverridableInitializerMetadata.ContainsKey(EffortFeed.Name) ? 0f : null;
        RunAll(images, off, outputs.ToArray(), (_, results) =>
        {
            for (int o = 0; o < results.Count; o++) visit(o, results[o].GetTensorDataAsSpan<float>());
        }, progress);
    }

    private void RunAll(CalibrationImages images, float? effort, string[] outputNames, Action<int, IReadOnlyList<OrtValue>> visit, IProgress<int>? progress)
    {
        string inputName = _session.InputNames[0];
        using OrtValue? effortValue = effort is { } e ? EffortFeed.Create(_session, e, _name) : null;
        string[] names = effortValue is null ? [inputName] : [inputName, EffortFeed.Name];
        using var runOptions = new RunOptions();
        for (int i = 0; i < images.Count; i++)
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(images.Inputs[i], images.InputShape);
            OrtValue[] values = effortValue is null ? [input] : [input, effortValue];
            using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, names, values, outputNames);
            visit(i, results);
            progress?.Report(i + 1);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
