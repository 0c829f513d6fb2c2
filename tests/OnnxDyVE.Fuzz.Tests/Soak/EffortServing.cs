using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Calibration;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Fuzz.Tests.Soak;

/// <summary>Memory at one moment of a serving run.</summary>
internal sealed record MemorySample(TimeSpan At, long Runs, long WorkingSet, long GcHeap, long GcCommitted);

/// <summary>What a serving run did: runs, runs whose output differed from the single-threaded one, failures, memory over time.</summary>
internal sealed record ServingReport(int Threads, long Runs, long Mismatches, IReadOnlyList<string> Problems, TimeSpan Duration, IReadOnlyList<MemorySample> Samples);

/// <summary>
/// cifar10_quick rewritten to DyVE operators with SDSS switched on in every layer it applies to (activation scales
/// measured on calibration images, one threshold for all), in one session served from many threads at once, each
/// run at an effort of its own. Every run's output is compared bit for bit with the one computed single-threaded
/// for the same image at the same effort: kernels are shared by concurrent runs, so anything they keep per run
/// leaking between threads would show as a difference.
/// </summary>
internal sealed class EffortServing : IDisposable
{
    /// <summary>The efforts runs pick from: every tenth in [0, 1].</summary>
    public static readonly float[] Efforts = [.. Enumerable.Range(0, 11).Select(i => i / 10f)];

    /// <summary>SDSS's threshold at effort 1, in units of each layer's activation scale: large enough that effort changes outputs.</summary>
    private const float SdssDelta = 0.5f;

    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;

    private EffortServing(ModelProto model, CalibrationImages images)
    {
        Images = images;
        _options = new SessionOptions();
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // Concurrency comes from the callers' threads; each run stays on its caller's thread.
        _options.IntraOpNumThreads = 1;
        _options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
        _options.AppendDyVE();
        _session = new InferenceSession(model.ToByteArray(), _options);
        _inputName = _session.InputNames[0];
        _outputName = _session.OutputNames[0];
        Expected = [.. images.Inputs.Select(input => Efforts.Select(effort => Run(input, effort)).ToArray())];
    }

    public CalibrationImages Images { get; }

    /// <summary>Per image, per effort (index into <see cref="Efforts"/>): the output of a single-threaded run.</summary>
    public float[][][] Expected { get; }

    /// <summary>How many images give a different output at effort 1 than at effort 0: effort must matter for the test to mean anything.</summary>
    public int ImagesChangedByEffort => Expected.Count(perEffort => !perEffort[0].AsSpan().SequenceEqual(perEffort[^1]));

    /// <summary>The served model and its images, or null when the shared folder is absent off CI.</summary>
    public static EffortServing? Create(int imageCount)
    {
        if (!SharedData.TryGetFolder(out string shared)) return null;
        var locations = new ModelLocations(shared, Path.Combine(Path.GetTempPath(), "onnxdyve-fuzz-tests"));
        ResolvedModel resolved = new ModelResolver(ModelCatalog.Default, locations).Resolve("cifar10_quick");
        CaffeConversion conversion = CatalogConversion.Convert(resolved);
        // Planar: SDSS does not run on blocked maps.
        ModelProto model = BlockedLayout.Remove(DyveRewriter.Rewrite(conversion.Model).Model);
        CalibrationImages images = CalibrationImages.Load(locations.DataFolder(resolved.Entry.CalibrationData!)!, conversion.Preprocessing!, imageCount, seed: 3);
        IReadOnlyDictionary<string, NodeScales> scales = ActivationScales.Measure(model, images, threads: 1);
        foreach (NodeProto node in SdssNodes.Find(model))
        {
            SdssNodes.SetFloat(node, DyveSchema.ActivationScale, scales[node.Name].Activation);
            SdssNodes.SetFloat(node, DyveSchema.SdssDelta, SdssDelta);
        }
        return new EffortServing(model, images);
    }

    public float[] Run(float[] input, float effort)
    {
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(input, Images.InputShape);
        using OrtValue e = OrtValue.CreateTensorValueFromMemory(new[] { effort }, []);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, [_inputName, EffortInput.Name], [x, e], [_outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Serves from <paramref name="threads"/> threads until <paramref name="minimumRuns"/> runs are done and
    /// <paramref name="minimumDuration"/> has passed, each run on a seeded (image, effort) choice, sampling memory
    /// every <paramref name="sampleEvery"/>.
    /// </summary>
    public ServingReport Serve(int threads, long minimumRuns, TimeSpan minimumDuration, TimeSpan sampleEvery, int seed)
    {
        long runs = 0, mismatches = 0;
        var problems = new ConcurrentQueue<string>();
        var samples = new List<MemorySample>();
        var clock = Stopwatch.StartNew();
        bool Done() => Interlocked.Read(ref runs) >= minimumRuns && clock.Elapsed >= minimumDuration;
        void Sample() => samples.Add(new MemorySample(clock.Elapsed, Interlocked.Read(ref runs), Process.GetCurrentProcess().WorkingSet64,
            GC.GetGCMemoryInfo().HeapSizeBytes, GC.GetGCMemoryInfo().TotalCommittedBytes));

        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var random = new Random(seed * 1000 + t);
            start.SignalAndWait();
            // An exception escaping a thread would end the test host: record it instead.
            try
            {
                while (!Done() && problems.Count < 20)
                {
                    int image = random.Next(Images.Count), effort = random.Next(Efforts.Length);
                    float[] output = Run(Images.Inputs[image], Efforts[effort]);
                    long run = Interlocked.Increment(ref runs);
                    if (!output.AsSpan().SequenceEqual(Expected[image][effort]))
                    {
                        Interlocked.Increment(ref mismatches);
                        problems.Enqueue($"run {run} (thread {t}): image {image} at effort {Efforts[effort]} differs from the single-threaded output");
                    }
                }
            }
            catch (Exception exception)
            {
                problems.Enqueue($"thread {t} threw {exception.GetType().Name}: {exception.Message}");
            }
        }) { Name = $"serving {t}" }).ToList();
        workers.ForEach(worker => worker.Start());
        start.SignalAndWait();
        clock.Restart();
        Sample();
        while (!workers.All(worker => worker.Join(sampleEvery))) Sample();
        Sample();
        return new ServingReport(threads, runs, mismatches, [.. problems], clock.Elapsed, samples);
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
