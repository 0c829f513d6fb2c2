using OnnxDyVE.Converters.Caffe;
using OnnxDyVE.Converters.Caffe.Net;
using OnnxDyVE.Converters.Caffe.Proto;
using OnnxDyVE.Converters.Caffe.Text;

namespace OnnxDyVE.Converters.Tests.Text;

/// <summary>Protobuf text format into caffe.proto's messages, V1 and V2 nets, every input form, and errors with line:column.</summary>
public class PrototxtReaderTests
{
    [Fact]
    public void ReadsCommentsNestingListsEnumsAndNumbers()
    {
        const string text = """
            # a comment line
            name: "net" # trailing comment
            layer {
              name: 'conv'  type: "Convolution"
              bottom: "data" top: "conv"
              param { lr_mult: 1 } param: { lr_mult: 2e0 decay_mult: -0.5 }
              convolution_param <
                num_output: 0x10 kernel_size: [3, 5] pad: 012
                weight_filler { type: "gaussian" std: 1.5E-2 } ;
                bias_filler { value: -inf } , engine: CAFFE
              >
            }
            layer { name: "pool" type: "Pooling" pooling_param { pool: 1 } }
            layer { name: "n" type: "LRN" lrn_param { alpha: nan beta: .5 k: 2.f } }
            """;
        NetParameter net = PrototxtParser.Parse<NetParameter>(text, "t.prototxt");
        Assert.Equal("net", net.Name);
        LayerParameter conv = net.Layer[0];
        Assert.Equal(["data"], conv.Bottom);
        Assert.Equal([1f, 2f], conv.Param.Select(p => p.LrMult));
        Assert.Equal(-0.5f, conv.Param[1].DecayMult);
        Assert.Equal(16u, conv.ConvolutionParam.NumOutput);
        Assert.Equal([3u, 5u], conv.ConvolutionParam.KernelSize);
        Assert.Equal([10u], conv.ConvolutionParam.Pad);
        Assert.Equal(0.015f, conv.ConvolutionParam.WeightFiller.Std);
        Assert.Equal(float.NegativeInfinity, conv.ConvolutionParam.BiasFiller.Value);
        Assert.Equal(Engine.Caffe, conv.ConvolutionParam.Engine);
        Assert.Equal(PoolingParameter.Types.PoolMethod.Ave, net.Layer[1].PoolingParam.Pool);
        Assert.True(float.IsNaN(net.Layer[2].LrnParam.Alpha));
        Assert.Equal(0.5f, net.Layer[2].LrnParam.Beta);
        Assert.Equal(2f, net.Layer[2].LrnParam.K);
    }

    [Fact]
    public void DecodesEscapesAndJoinsAdjacentStrings()
    {
        NetParameter net = PrototxtParser.Parse<NetParameter>("""name: "a\"b\\c\n\t\x41\101\'" 'd' "é€" """, "t");
        Assert.Equal("a\"b\\c\n\tAA'dé€", net.Name);
    }

    [Fact]
    public void UpgradesV1LayersToCurrentTypes()
    {
        const string text = """
            input: "data" input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4
            layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" blobs_lr: 1 convolution_param { num_output: 2 kernel_size: 3 } }
            layers { name: "r" type: RELU bottom: "c" top: "c" }
            layers { name: "s" type: SOFTMAX_LOSS bottom: "c" top: "loss" }
            """;
        CaffeNet net = CaffeNetReader.Read(text, "t");
        Assert.Equal(["Convolution", "ReLU", "SoftmaxWithLoss"], net.Layers.Select(l => l.Type));
        Assert.Equal(2u, net.Layers[0].ConvolutionParam.NumOutput);
        Assert.Equal([1L, 1, 4, 4], Assert.Single(net.Inputs).Shape);
    }

    [Theory]
    [InlineData("input: \"x\" input_dim: 2 input_dim: 3 input_dim: 5 input_dim: 7")]
    [InlineData("input: \"x\" input_shape { dim: 2 dim: 3 dim: 5 dim: 7 }")]
    [InlineData("layer { name: \"x\" type: \"Input\" top: \"x\" input_param { shape: { dim: 2 dim: 3 dim: 5 dim: 7 } } }")]
    public void ReadsEveryInputForm(string text)
    {
        CaffeInput input = Assert.Single(CaffeNetReader.Read(text, "t").Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal([2L, 3, 5, 7], input.Shape);
    }

    [Theory]
    [InlineData("name: \"n\"\nlayer {\n  nmae: \"x\"\n}", "t:3:3: unknown field 'nmae' in caffe.LayerParameter")]
    [InlineData("layer {\n  type: \"PReLU\" prelu_param { }\n}", "t:2:17: unknown field 'prelu_param' in caffe.LayerParameter (the parameters of a layer type the converter does not support)")]
    [InlineData("layer { name: \"a\" name: \"b\" }", "t:1:19: field 'name' is not repeated but is given more than once")]
    [InlineData("layer {\n  type: \"x\"", "t:2:12: missing '}' before the end of the file")]
    [InlineData("name: \"open", "t:1:7: string is not closed on its line")]
    [InlineData("layer { pooling_param { pool: MEAN } }", "t:1:31: 'MEAN' is not a value of caffe.PoolingParameter.PoolMethod (one of MAX, AVE, STOCHASTIC)")]
    [InlineData("layer { convolution_param { num_output: -1 } }", "t:1:41: -1 is out of range for 'num_output' (UInt32: 0 to 4294967295)")]
    [InlineData("layer { convolution_param { num_output: 4294967296 } }", "t:1:41: 4294967296 is out of range for 'num_output' (UInt32: 0 to 4294967295)")]
    [InlineData("layer { convolution_param { bias_term: yes } }", "t:1:40: expected true or false for 'bias_term', found 'yes'")]
    [InlineData("name \"x\"", "t:1:6: expected ':' after 'name'")]
    [InlineData("name: \"\\q\"", "t:1:8: unknown escape '\\q'")]
    [InlineData("layer { name: \"x\" } }", "t:1:21: expected a field name, found '}'")]
    [InlineData("name: @", "t:1:7: unexpected character '@'")]
    [InlineData("layer { param { lr_mult: 1x } }", "t:1:26: '1x' is not a number (field 'lr_mult')")]
    public void ErrorsSayFileLineAndColumn(string text, string message)
    {
        var error = Assert.Throws<CaffeFormatException>(() => PrototxtParser.Parse<NetParameter>(text, "t"));
        Assert.Equal(message, error.Message);
    }

    /// <summary>
    /// caffe.proto nests only a few levels, so the depth limit is tried on protobuf's recursive Value type,
    /// through the same parser: a hostile stream of openings stops at the limit instead of overflowing the stack.
    /// </summary>
    [Theory]
    [InlineData(PrototxtParser.MaxDepth / 2, true)]
    [InlineData(PrototxtParser.MaxDepth / 2 + 1, false)]
    [InlineData(100_000, false)]
    public void NestingBeyondTheLimitIsAnErrorNotAStackOverflow(int levels, bool accepted)
    {
        // Each level is a Value holding a list holding Values: two messages deep.
        string text = string.Concat(Enumerable.Repeat("list_value { values { ", levels)) + "number_value: 1" + new string('}', 2 * levels).Replace("}", " }");
        if (accepted)
        {
            Assert.NotNull(PrototxtParser.Parse<Google.Protobuf.WellKnownTypes.Value>(text, "t"));
            return;
        }
        var error = Assert.Throws<CaffeFormatException>(() => PrototxtParser.Parse<Google.Protobuf.WellKnownTypes.Value>(text, "t"));
        Assert.EndsWith($"messages nested deeper than {PrototxtParser.MaxDepth} levels", error.Message);
        Assert.StartsWith("t:1:", error.Message);
    }

    [Fact]
    public void MixingV1AndV2LayersIsAnError()
    {
        var error = Assert.Throws<CaffeFormatException>(() => CaffeNetReader.Read("input: \"x\" input_dim: 1 input_dim: 1 input_dim: 1 input_dim: 1 layer { name: \"a\" } layers { name: \"b\" }", "t"));
        Assert.Contains("mixes", error.Message);
    }

    [Fact]
    public void ANetWithoutInputIsAnError()
    {
        var error = Assert.Throws<CaffeFormatException>(() => CaffeNetReader.Read("layer { name: \"a\" type: \"ReLU\" }", "t"));
        Assert.Equal("t: the net declares no input (input + input_dim, input_shape, or an Input layer)", error.Message);
    }
}
