using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Models;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve convert caffe</c>: a Caffe prototxt with caffemodel, Deep Compression or random weights to an ONNX
/// model carrying its preprocessing. Parses options, calls the converter, prints one line; errors print their
/// message and exit 1.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var prototxt = new Option<FileInfo>("--prototxt") { Description = "The net's prototxt (deploy form)", Required = true };
        var weights = new Option<FileInfo?>("--weights") { Description = "Trained weights: a .caffemodel, or Deep Compression .net with --format deep-compression" };
        var format = new Option<string>("--format") { Description = "Format of --weights: caffemodel or deep-compression", DefaultValueFactory = _ => "caffemodel" };
        format.AcceptOnlyFromAmong("caffemodel", "deep-compression");
        var randomWeights = new Option<bool>("--random-weights") { Description = "Seeded random weights instead of --weights (architecture-only prototxts)" };
        var seed = new Option<int>("--seed") { Description = "Seed for --random-weights", DefaultValueFactory = _ => 1 };
        var mean = new Option<FileInfo?>("--mean") { Description = "Mean image (.binaryproto or .npy) in the model's channel order" };
        var meanValues = new Option<string?>("--mean-values") { Description = "Per-channel means in the model's channel order, e.g. 104,117,123" };
        var scale = new Option<float>("--scale") { Description = "Multiplier applied after subtracting the mean", DefaultValueFactory = _ => 1f };
        var channelOrder = new Option<string?>("--channel-order") { Description = "Channel order the model expects: rgb, bgr or gray (default: gray for 1 channel, else bgr)" };
        channelOrder.AcceptOnlyFromAmong("rgb", "bgr", "gray");
        var crop = new Option<int?>("--crop") { Description = "Input height and width (centre crop), overriding the prototxt's" };
        var resize = new Option<int?>("--resize") { Description = "Resize images to N x N before the centre crop" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The ONNX model to write", Required = true };

        var caffe = new Command("caffe", "Convert a Caffe model to ONNX with Caffe's exact semantics")
        {
            prototxt, weights, format, randomWeights, seed, mean, meanValues, scale, channelOrder, crop, resize, output,
        };
        caffe.SetAction(result =>
        {
            try
            {
                CaffeWeightsSource source = WeightsSource(result.GetValue(weights), result.GetValue(format)!, result.GetValue(randomWeights), result.GetValue(seed));
                var options = new CaffeConversionOptions
                {
                    MeanFile = result.GetValue(mean)?.FullName,
                    MeanValues = ParseFloats(result.GetValue(meanValues)),
                    Scale = result.GetValue(scale),
                    ChannelOrder = result.GetValue(channelOrder) is string order ? Enum.Parse<ChannelOrder>(order, ignoreCase: true) : null,
                    Crop = result.GetValue(crop),
                    Resize = result.GetValue(resize),
                };
                return Run(result.GetValue(prototxt)!.FullName, source, options, result.GetValue(output)!.FullName);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return new Command("convert", "Convert a model from another framework to ONNX") { caffe, MlNetFeaturizer() };
    }

    /// <summary>
    /// <c>dyve convert mlnet-featurizer</c>: an ML.NET DNN image featurizer's network (e.g. ResNet18.onnx of
    /// Microsoft.ML.DnnImageFeaturizer.ResNet18) with the preprocessing its companion model performs (channel order,
    /// mean image) recorded in its metadata (<see cref="FeaturizerImport"/>).
    /// </summary>
    private static Command MlNetFeaturizer()
    {
        var network = new Option<FileInfo>("--model") { Description = "The featurizer's network, e.g. DnnImageModels/ResNet18Onnx/ResNet18.onnx", Required = true };
        var preprocess = new Option<FileInfo>("--preprocess") { Description = "Its preprocessing model, e.g. DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx", Required = true };
        var resize = new Option<int>("--resize") { Description = "Resize images to N x N first (ML.NET's featurizers document ResizeImages(224, 224))", DefaultValueFactory = _ => 224 };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The ONNX model to write", Required = true };
        var command = new Command("mlnet-featurizer", "Record an ML.NET DNN image featurizer's preprocessing in its network's metadata") { network, preprocess, resize, output };
        command.SetAction(result =>
        {
            try
            {
                int size = result.GetValue(resize);
                Onnx.ModelProto model = FeaturizerImport.Import(ModelFile.Read(result.GetValue(network)!.FullName), ModelFile.Read(result.GetValue(preprocess)!.FullName), [size, size]);
                ModelFile.Write(model, result.GetValue(output)!.FullName);
                Preprocessing p = Preprocessing.FromJson(model.MetadataProps.Single(m => m.Key == Preprocessing.MetadataKey).Value);
                Console.WriteLine($"{result.GetValue(output)!.FullName}: input {string.Join("x", p.Input)} {p.ChannelOrder.ToString().ToLowerInvariant()}, mean image, resize {size}x{size}");
                return 0;
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or RewriteException)
            {
                Console.Error.WriteLine($"dyve convert mlnet-featurizer: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Run(string prototxt, CaffeWeightsSource source, CaffeConversionOptions options, string output)
    {
        CaffeConversion conversion = CaffeConverter.ConvertFiles(prototxt, source, options);
        File.WriteAllBytes(output, conversion.Model.ToByteArray());
        string input = conversion.Preprocessing is { } p ? $"input {string.Join("x", p.Input)} {p.ChannelOrder.ToString().ToLowerInvariant()}" : "input not an image";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{output}: {conversion.Model.Graph.Node.Count} nodes, {conversion.ParameterCount:N0} parameters ({100.0 * conversion.NonZeroWeightCount / Math.Max(1, conversion.WeightCount):F1}% of weights non-zero), {input}, output {string.Join(", ", conversion.Outputs)}"));
        return 0;
    }

    private static CaffeWeightsSource WeightsSource(FileInfo? weights, string format, bool random, int seed) => (weights, random) switch
    {
        (null, true) => new CaffeWeightsSource.Random(seed),
        (not null, false) when format == "deep-compression" => new CaffeWeightsSource.DeepCompression(weights.FullName),
        (not null, false) => new CaffeWeightsSource.CaffeModel(weights.FullName),
        (not null, true) => throw new FormatException("give --weights or --random-weights, not both"),
        (null, false) => throw new FormatException("give --weights FILE or --random-weights"),
    };

    private static float[]? ParseFloats(string? text) => text?.Split(',', StringSplitOptions.TrimEntries)
        .Select(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : throw new FormatException($"--mean-values: '{v}' is not a number"))
        .ToArray();
}
