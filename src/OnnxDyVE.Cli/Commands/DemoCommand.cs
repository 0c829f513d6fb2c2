using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using OnnxDyVE.Cli.Demo;
using OnnxDyVE.Graph;
using OnnxDyVE.Harness;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve demo</c>: the main job. Today it shows what is built: DyVE's operators in exact mode (effort off)
/// against ONNX Runtime's own Conv and Gemm on real layer shapes, side by side. Converting, rewriting and
/// calibrating a Caffe model join it as they land.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for both ONNX Runtime sessions", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per layer and model, after warm-up", DefaultValueFactory = _ => 10 };
        var command = new Command("demo", "Run the demonstration: DyVE operators against stock ONNX Runtime, side by side")
        {
            threads,
            runs,
        };
        command.SetAction(result => Run(result.GetValue(threads), result.GetValue(runs)));
        return command;
    }

    private static int Run(int threads, int runs)
    {
        if (threads < 1 || runs < 1)
        {
            Console.Error.WriteLine("--threads and --runs must be at least 1");
            return 2;
        }
        Console.WriteLine(MachineDescription.Describe());
        Console.WriteLine($"Exact mode (effort off): DyVE operators vs ONNX Runtime's Conv/Gemm + activation, batch 1, {threads} thread(s), median of {runs} interleaved runs; random weights and inputs (speed and exactness do not depend on their values).");
        Console.WriteLine();
        Console.WriteLine($"{"layer",-30} {"shape",-28} {"max rel err",11} {"stock ms",9} {"dyve ms",9} {"speed-up",8}");
        bool exact = true;
        foreach ((string name, ConvLayer layer) in DemoLayers.Convolutions)
        {
            string shape = $"{layer.InputChannels}x{layer.Height}x{layer.Width}->{layer.OutputChannels} k{layer.KernelHeight}";
            exact &= Report(name, shape, LayerModels.Conv(layer, 1, LayerPaths.Reference), LayerModels.Conv(layer, 1, LayerPaths.Dyve), layer.InputShape(), threads, runs);
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
        Console.WriteLine("Still to come in this demo: converting cifar10_quick from Caffe, rewriting it to DyVE operators, calibrating the dynamic-effort mechanisms and benchmarking on CIFAR-10.");
        return exact ? 0 : 1;
    }

    private static bool Report(string name, string shape, Onnx.ModelProto stock, Onnx.ModelProto dyve, long[] inputShape, int threads, int runs)
    {
        float[] input = LayerParameters.Uniform(new Random(7), LayerParameters.Count(inputShape));
        SideBySideResult result = SideBySide.Run(stock.ToByteArray(), dyve.ToByteArray(), input, inputShape, threads, runs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-30} {shape,-28} {result.MaxRelativeError,11:E1} {result.StockMedianMs,9:F3} {result.DyveMedianMs,9:F3} {result.Speedup,7:F2}x"));
        return result.MaxRelativeError <= 1e-4;
    }
}
