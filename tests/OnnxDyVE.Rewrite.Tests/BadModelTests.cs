using Google.Protobuf;

namespace OnnxDyVE.Rewrite.Tests;

/// <summary>Files that are not models and models that contradict themselves give one clear error naming the file or node.</summary>
public sealed class BadModelTests
{
    private static ModelProto ConvWithBatchNorm(Action<ModelBuilder, string>? tamper = null)
    {
        var builder = new ModelBuilder();
        string y = builder.Node("Conv", "conv", [builder.Input("x", 1, 2, 5, 5), builder.Weights("w", [3, 2, 3, 3]), builder.Weights("b", [3])]);
        y = builder.BatchNorm("bn", y, 3);
        tamper?.Invoke(builder, y);
        return builder.Output(y).Build();
    }

    private static TensorProto Initializer(ModelBuilder builder, string name) => builder.Graph.Initializer.Single(t => t.Name == name);

    [Fact]
    public void Files_that_are_not_models_name_the_file()
    {
        string directory = Directory.CreateTempSubdirectory("dyve-rewrite-").FullName;
        try
        {
            string garbage = Path.Combine(directory, "garbage.onnx");
            File.WriteAllText(garbage, "this is not a protobuf message, just text");
            string empty = Path.Combine(directory, "empty.onnx");
            File.WriteAllBytes(empty, []);
            string truncated = Path.Combine(directory, "truncated.onnx");
            byte[] model = ConvWithBatchNorm().ToByteArray();
            File.WriteAllBytes(truncated, model[..(model.Length / 2)]);

            foreach (string path in new[] { garbage, empty, truncated, Path.Combine(directory, "missing.onnx") })
                Assert.StartsWith(path + ": ", Assert.Throws<RewriteException>(() => ModelFile.Read(path)).Message);
            Assert.Contains("cannot write", Assert.Throws<RewriteException>(() => ModelFile.Write(ConvWithBatchNorm(), Path.Combine(directory, "no", "such", "dir.onnx"))).Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static TheoryData<string, string> Contradictions() => new()
    {
        { "missing initializer", "node 'conv' (Conv) reads 'w', which no initializer, graph input or node defines" },
        { "short weights", "initializer 'w' has shape [3, 2, 3, 3] (54 values) but stores 10" },
        { "huge weights", "initializer 'w' has shape [1099511627776, 2, 3, 3]" },
        { "bias shape", "node 'conv' (Conv): B 'b' has shape [4]" },
        { "batch norm size", "node 'bn' (BatchNormalization): scale 'bn_scale' has 2 values" },
        { "kernel shape", "node 'conv' (Conv): kernel_shape [5, 5] does not match W 'w'" },
        { "written twice", "tensor 'conv' is written by both" },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void Contradictory_models_name_the_node_and_tensor(string fault, string message)
    {
        ModelProto model = ConvWithBatchNorm((builder, _) =>
        {
            switch (fault)
            {
                case "missing initializer":
                    builder.Graph.Initializer.Remove(Initializer(builder, "w"));
                    break;
                case "short weights":
                    Initializer(builder, "w").RawData = ByteString.CopyFrom(new byte[40]);
                    break;
                case "huge weights":
                    Initializer(builder, "w").Dims[0] = 1L << 40;
                    break;
                case "bias shape":
                    Initializer(builder, "b").Dims[0] = 4;
                    break;
                case "batch norm size":
                    builder.Graph.Initializer[builder.Graph.Initializer.IndexOf(Initializer(builder, "bn_scale"))] = OnnxProto.FloatTensor("bn_scale", [2], [1f, 2f]);
                    break;
                case "kernel shape":
                    builder.Graph.Node[0].Attribute.Add(OnnxProto.Ints("kernel_shape", 5, 5));
                    break;
                case "written twice":
                    builder.Graph.Node.Add(OnnxProto.Node("Relu", "", "again", ["x"], ["conv"], []));
                    break;
            }
        });

        var error = Assert.Throws<RewriteException>(() => DyveRewriter.Rewrite(model));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Corrupted_bytes_give_an_error_or_a_model_and_nothing_else()
    {
        byte[] model = ConvWithBatchNorm().ToByteArray();
        var random = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])model.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try
            {
                DyveRewriter.Rewrite(ModelFile.Parse(bytes, "corrupted"));
            }
            catch (RewriteException)
            {
                // The one expected failure: a message naming what is wrong.
            }
        }
    }
}
