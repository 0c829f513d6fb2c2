using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxDyVE;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Simd;

// Usage: OnnxDyVE.NativeBench PATH/libonnxdyve.so [rounds] [runs-per-round]
// Per shape: one DyveConv model, two sessions (in-process and the library), 1 intra-op thread, no spinning.
// Rounds alternate which route goes first; each round times runs-per-round single Runs per route. Reports the
// median Run time of each route and their ratio (library / in-process: 1.00 = as fast, below = faster).
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: OnnxDyVE.NativeBench PATH/libonnxdyve.so [rounds] [runs-per-round]");
    return 2;
}
string library = Path.GetFullPath(args[0]);
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
int runsPerRound = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;

static ConvLayer Padded(ConvLayer layer, int pad) =>
    layer with { PadTop = pad, PadLeft = pad, PadBottom = pad, PadRight = pad, HasBias = true, Activation = LayerActivation.Relu };

(string Name, ConvLayer Layer)[] shapes =
[
    ("VGG-16 conv3_2 (256x56x56, 3x3)", Padded(new ConvLayer(1, 256, 56, 56, 256, 3, 3), 1)),
    ("VGG-16 conv5_2 (512x14x14, 3x3)", Padded(new ConvLayer(1, 512, 14, 14, 512, 3, 3), 1)),
    ("SqueezeNet fire9/expand1x1 (64x13x13, 1x1)", Padded(new ConvLayer(1, 64, 13, 13, 256, 1, 1), 0)),
    ("SqueezeNet conv1 (3x224x224, 7x7/2)", Padded(new ConvLayer(1, 3, 224, 224, 96, 7, 7), 0) with { StrideHeight = 2, StrideWidth = 2 }),
];

Console.WriteLine($"ONNX Runtime {DyveRuntime.OnnxRuntimeVersion}; in-process kernels: {SimdPaths.Best}; library: {library}");
Console.WriteLine($"{rounds} rounds x {runsPerRound} runs per route, 1 thread, medians of single Run times");
Console.WriteLine();
Console.WriteLine("| layer | in-process ms | library ms | library / in-process |");
Console.WriteLine("|---|---:|---:|---:|");

foreach ((string name, ConvLayer layer) in shapes)
{
    byte[] model = LayerModels.Conv(layer, seed: 7, LayerPaths.Dyve).ToByteArray();
    using SessionOptions inProcessOptions = Options().AppendDyVE();
    using SessionOptions libraryOptions = Options();
    libraryOptions.RegisterCustomOpLibrary(library);
    using var inProcess = new InferenceSession(model, inProcessOptions);
    using var fromLibrary = new InferenceSession(model, libraryOptions);

    float[] data = LayerParameters.Uniform(new Random(11), LayerParameters.Count(layer.InputShape()));
    using OrtValue input = OrtValue.CreateTensorValueFromMemory(data, layer.InputShape());
    using var runOptions = new RunOptions();

    float[] expected = Run(inProcess, input, runOptions);
    float[] actual = Run(fromLibrary, input, runOptions);
    float maxDifference = expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
    if (maxDifference > 1e-3f * expected.Max(MathF.Abs)) throw new InvalidOperationException($"{name}: the routes disagree by {maxDifference}");
    for (int i = 0; i < 5; i++)
    {
        Run(inProcess, input, runOptions);
        Run(fromLibrary, input, runOptions);
    }

    var inProcessTimes = new List<double>();
    var libraryTimes = new List<double>();
    for (int round = 0; round < rounds; round++)
    {
        bool libraryFirst = round % 2 == 1;
        Time(libraryFirst ? fromLibrary : inProcess, libraryFirst ? libraryTimes : inProcessTimes);
        Time(libraryFirst ? inProcess : fromLibrary, libraryFirst ? inProcessTimes : libraryTimes);
    }
    double inProcessMedian = Median(inProcessTimes), libraryMedian = Median(libraryTimes);
    Console.WriteLine(FormattableString.Invariant(
        $"| {name} | {inProcessMedian:F3} | {libraryMedian:F3} | {libraryMedian / inProcessMedian:F3} |"));

    void Time(InferenceSession session, List<double> times)
    {
        for (int i = 0; i < runsPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using IDisposableReadOnlyCollection<OrtValue> outputs =
                session.Run(runOptions, [LayerModels.Input], [input], [LayerModels.DyveOutput]);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }
}
return 0;

static SessionOptions Options()
{
    var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
    // Spinning pool threads would steal time from the other route (ORT-INTEROP.md, pitfall 7).
    options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
    return options;
}

static float[] Run(InferenceSession session, OrtValue input, RunOptions runOptions)
{
    using IDisposableReadOnlyCollection<OrtValue> outputs =
        session.Run(runOptions, [LayerModels.Input], [input], [LayerModels.DyveOutput]);
    return outputs[0].GetTensorDataAsSpan<float>().ToArray();
}

static double Median(List<double> values)
{
    double[] sorted = [.. values.Order()];
    int middle = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
