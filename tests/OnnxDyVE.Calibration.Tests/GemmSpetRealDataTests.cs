using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Evaluation;
using OnnxDyVE.Graph;
using OnnxDyVE.Graph.Rewrite;
using OnnxDyVE.Kernels;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Support;
using Xunit.Abstractions;

namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// SPET in a real fully connected layer followed by a ReLU: LeNet's ip1 (800 inputs from pool2, 500 outputs), on the
/// first MNIST test digits, one digit per run. (cifar10_quick's ip1 feeds ip2 with no activation between, so SPET,
/// which needs a saturating activation, does not apply there; LeNet's is the one such layer in ../shared.) At effort 0
/// every output is the original model's (rel 1e-4) and top-1 agrees everywhere; the printed table is what SPET
/// executes of ip1's dense work at each setting, and the top-1 agreement.
/// </summary>
public sealed class GemmSpetRealDataTests(ITestOutputHelper output)
{
    private const int Digits = 500;

    [Fact]
    public void Lenet_ip1_with_spet_matches_the_original_at_effort_0()
    {
        if (!SharedData.TryGetFile("models/caffe/lenet_mnist/lenet.prototxt", out string prototxt)
            || !SharedData.TryGetFile("models/caffe/lenet_mnist/lenet_iter_10000.caffemodel", out string weights)
            || !SharedData.TryGetFile(MnistFiles.Images, out string images)) return;
        CaffeConversion conversion = CaffeConverter.ConvertFiles(prototxt, new CaffeWeightsSource.CaffeModel(weights),
            new CaffeConversionOptions { Scale = 0.00390625f });
        byte[] pixels = MnistFiles.ReadIdx(images, magic: 2051, headerInts: 3);
        float[][] inputs = [.. Enumerable.Range(0, Digits).Select(i =>
            pixels.AsSpan(i * MnistFiles.Side * MnistFiles.Side, MnistFiles.Side * MnistFiles.Side).ToArray().Select(p => p * conversion.Preprocessing!.Scale).ToArray())];

        float[][] reference;
        using (var stock = new InferenceSession(conversion.Model.ToByteArray()))
            reference = [.. inputs.Select(input => Run(stock, input, effort: null))];
        int[] referenceTop1 = [.. reference.Select(Top1)];

        output.WriteLine($"LeNet ip1 (K 800, N 500), first {Digits} MNIST test digits, batch 1:");
        output.WriteLine("| spet_prefix | t | executed MACs | dense MACs | executed / dense | overhead / dense | top-1 agreement |");
        output.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
        foreach (float prefix in new[] { 0f, 0.25f, 0.5f })
        {
            string node = $"ip1_{Guid.NewGuid():N}";
            ModelProto model = WithSpet(DyveRewriter.Rewrite(conversion.Model).Model, node, prefix);
            using var options = new SessionOptions().AppendDyVE();
            using var session = new InferenceSession(model.ToByteArray(), options);
            foreach (float effort in prefix == 0 ? new[] { 0f } : [0f, 1f])
            {
                CounterValues before = Counters(node);
                float[][] outputs = [.. inputs.Select(input => Run(session, input, effort))];
                CounterValues counters = Counters(node) - before;
                double agreement = TopKAccuracy.Agreement([.. outputs.Select(Top1)], referenceTop1);
                output.WriteLine($"| {prefix} | {effort} | {counters.ExecutedMacs} | {counters.DenseMacs} | {(double)counters.ExecutedMacs / counters.DenseMacs:P2} | "
                    + $"{(double)counters.OverheadOps / counters.DenseMacs:P2} | {agreement:F1}% |");
                if (effort > 0) continue;
                for (int i = 0; i < Digits; i++)
                {
                    double scale = Math.Max(1, reference[i].Max(v => Math.Abs((double)v)));
                    double worst = reference[i].Zip(outputs[i], (r, v) => Math.Abs((double)r - v)).Max();
                    Assert.True(worst <= 1e-4 * scale, $"prefix {prefix}, digit {i}: max |diff| {worst:E2}");
                }
                Assert.Equal(100.0, agreement);
            }
        }
    }

    /// <summary>The rewritten model's DyveGemm with a relu (ip1), renamed <paramref name="node"/>, with SPET at t = effort.</summary>
    private static ModelProto WithSpet(ModelProto model, string node, float prefix)
    {
        NodeProto ip1 = model.Graph.Node.Single(n => n.OpType == DyveSchema.GemmOp
            && n.Attribute.Any(a => a.Name == DyveSchema.Activation && a.S.ToStringUtf8() == DyveSchema.ActivationKinds.Relu));
        ip1.Name = node;
        ip1.Attribute.Add(OnnxProto.Float(DyveSchema.SpetPrefix, prefix));
        ip1.Attribute.Add(OnnxProto.Float(DyveSchema.SpetDelta, 1f));
        return model;
    }

    private static float[] Run(InferenceSession session, float[] input, float? effort)
    {
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(input, [1, 1, MnistFiles.Side, MnistFiles.Side]);
        using OrtValue? e = effort is float value ? OrtValue.CreateTensorValueFromMemory(new[] { value }, []) : null;
        string[] names = e is null ? [session.InputMetadata.Keys.Single()] : [session.InputMetadata.Keys.Single(), EffortInput.Name];
        OrtValue[] values = e is null ? [x] : [x, e];
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, names, values, [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static int Top1(float[] scores) => Array.IndexOf(scores, scores.Max());

    private static CounterValues Counters(string node) =>
        DyveStatistics.Snapshot().Where(s => s.Node == node).Select(s => s.Counters).SingleOrDefault();
}
