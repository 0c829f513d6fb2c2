using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using OnnxDyVE.Cli.Demo;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;
using OnnxDyVE.Models;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve demo</c>: the main job. Real Caffe models from the catalogue are converted, rewritten to DyVE
/// operators, calibrated on their calibration images (cifar10_quick; SqueezeNet's calibration takes minutes and
/// runs with <c>dyve calibrate</c>), evaluated on their labelled test images and timed against stock ONNX Runtime,
/// each with a report; then DyVE's operators alone against ORT's Conv and Gemm on the real layer shapes of VGG-16
/// and SqueezeNet.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for both ONNX Runtime sessions", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per layer and model, after warm-up (50: ten left cifar10_quick's 0.15 ms medians to chance)", DefaultValueFactory = _ => 50 };
        var images = new Option<int>("--images") { Description = "ImageNet test images per model (CIFAR-10 models use all 10,000)", DefaultValueFactory = _ => 200 };
        var reports = new Option<DirectoryInfo>("--reports") { Description = "Folder for each model's Markdown report and JSON", DefaultValueFactory = _ => new DirectoryInfo("dyve-reports") };
        var command = new Command("demo", "Run the demonstration: real Caffe models converted, rewritten to DyVE, calibrated and compared with stock ONNX Runtime")
        {
            threads,
            runs,
            images,
            reports,
        };
        command.SetAction(result => Run(result.GetValue(threads), result.GetValue(runs), result.GetValue(images), result.GetValue(reports)!.FullName));
        return command;
    }

    /// <summary>
    /// The models the demo runs; ImageNet ones on the first --images test images, CIFAR-10 ones on all; calibrated
    /// ones on their calibration set first.
    /// </summary>
    private static readonly (string Name, bool ImageNet, bool Calibrate)[] DemoModels =
        [("cifar10_quick", false, true), ("squeezenet_v1.0_deep_compression", true, false)];

    private static int Run(int threads, int runs, int images, string reports)
    {
        if (threads < 1 || runs < 1 || images < 1)
        {
            Console.Error.WriteLine("--threads, --runs and --images must be at least 1");
            return 2;
        }
        Console.WriteLine(MachineDescription.Describe());
        Console.WriteLine("Real models, stock ONNX Runtime vs the same model rewritten to DyVE operators: calibrated (per layer SDSS, SPET or SFMA where it makes the layer faster, within a 0.5% agreement budget), or in exact mode (effort off, exact mechanisms only).");
        Console.WriteLine();
        bool agreed = RunModels(threads, runs, images, reports);
        Console.WriteLine($"Exact mode (effort off): DyVE operators vs ONNX Runtime's Conv/Gemm + activation, batch 1, {threads} thread(s), median of {runs} interleaved runs; random weights and inputs (speed and exactness do not depend on their values).");
        Console.WriteLine();
        Console.WriteLine("Speed-up: one-node planar models (each side converts layouts its own way); blocked: ONNX Runtime's own NCHWc Conv node against DyveConv on the same blocked maps, as both run inside a network.");
        Console.WriteLine($"{"layer",-30} {"shape",-28} {"max rel err",11} {"stock ms",9} {"dyve ms",9} {"speed-up",8} {"blocked",8}");
        bool exact = true;
        foreach ((string name, ConvLayer layer) in DemoLayers.Convolutions)
        {
            string shape = $"{layer.InputChannels}x{layer.Height}x{layer.Width}->{layer.OutputChannels} k{layer.KernelHeight}";
            exact &= Report(name, shape, LayerModels.Conv(layer, 1, LayerPaths.Reference), LayerModels.Conv(layer, 1, LayerPaths.Dyve), layer.InputShape(), threads, runs,
                () => ReportBlocked(layer, threads, runs));
        }
        foreach ((string name, GemmLayer layer) in DemoLayers.FullyConnected)
        {
            string shape = $"{layer.K}->{layer.N}";
            exact &= Report(name, shape, LayerModels.Gemm(layer, 1, LayerPaths.Reference), LayerModels.Gemm(layer, 1, LayerPaths.Dyve), layer.AShape(), threads, runs);
        }
        Console.WriteLine();
        Console.WriteLine(exact
            ? "All layers match ONNX Runtime within a relative error of 1e-4."
            : "Some layers differ from ONNX Runtime by more than a relative error of 1e-4.");
        return exact && agreed ? 0 : 1;
    }

    /// <returns>Whether every model that ran agreed with stock ORT: on every image in exact mode, within the budget when calibrated.</returns>
    private static bool RunModels(int threads, int runs, int images, string reports)
    {
        ModelLocations locations = ModelLocations.FromEnvironment();
        var resolver = new ModelResolver(ModelCatalog.Default, locations);
        bool agreed = true;
        foreach ((string name, bool imageNet, bool calibrate) in DemoModels)
        {
            try
            {
                ResolvedModel model = resolver.Resolve(name);
                string data = locations.DataFolder(model.Entry.EvalData ?? "")
                    ?? throw new ModelFilesMissingException($"no shared data folder for {name}'s test images: put the shared folder at ../shared beside the repository or set {ModelLocations.SharedVariable}");
                string? calibration = calibrate && model.Entry.CalibrationData is { } set ? locations.DataFolder(set) : null;
                agreed &= ModelDemo.Run(model, data, calibration, imageNet ? images : null, threads, runs, reports);
            }
            catch (ModelFilesMissingException e)
            {
                Console.WriteLine($"skipped {name}: {e.Message}");
                Console.WriteLine();
            }
        }
        return agreed;
    }

    /// <param name="blocked">The layer on blocked maps (<see cref="ReportBlocked"/>), for convolutions.</param>
    private static bool Report(string name, string shape, Onnx.ModelProto stock, Onnx.ModelProto dyve, long[] inputShape, int threads, int runs,
        Func<(string Column, bool Exact)>? blocked = null)
    {
        float[] input = LayerParameters.Uniform(new Random(7), LayerParameters.Count(inputShape));
        SideBySideResult result = SideBySide.Run(stock.ToByteArray(), dyve.ToByteArray(), input, inputShape, threads, runs);
        (string column, bool blockedExact) = blocked?.Invoke() ?? ("", true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-30} {shape,-28} {result.MaxRelativeError,11:E1} {result.StockMedianMs,9:F3} {result.DyveMedianMs,9:F3} {result.Speedup,7:F2}x {column,8}"));
        return result.MaxRelativeError <= 1e-4 && blockedExact;
    }

    /// <summary>
    /// The speed-up on blocked maps (<see cref="BlockedLayer"/>) and whether DyVE's output matched ONNX Runtime's node
    /// within 1e-4; "-" where ONNX Runtime does not block the layer on this CPU.
    /// </summary>
    private static (string Column, bool Exact) ReportBlocked(ConvLayer layer, int threads, int runs)
    {
        BlockedLayer blocked;
        try
        {
            blocked = BlockedLayer.Create(layer, 1, 7);
        }
        catch (InvalidOperationException)
        {
            return ("-", true);
        }
        SideBySideResult result = SideBySide.Run(blocked.Stock, blocked.StockInputShape, blocked.Dyve, blocked.DyveInputShape, blocked.Input, threads, runs);
        return (string.Create(CultureInfo.InvariantCulture, $"{result.Speedup:F2}x"), result.MaxRelativeError <= 1e-4);
    }
}
