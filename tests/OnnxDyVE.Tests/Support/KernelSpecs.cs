using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Tests.Support;

/// <summary>Translations from the graph's layer descriptions to the kernels' specifications.</summary>
internal static class KernelSpecs
{
    public static Activation ToKernel(LayerActivation activation) => activation.Kind switch
    {
        LayerActivationKind.Relu => Activation.Relu,
        LayerActivationKind.LeakyRelu => Activation.LeakyRelu(activation.Alpha),
        LayerActivationKind.Clip => Activation.Clip(activation.Min, activation.Max),
        _ => Activation.None,
    };

    public static ConvSpec ToConvSpec(ConvLayer layer) => new(
        layer.OutputChannels, layer.InputChannels, layer.KernelHeight, layer.KernelWidth,
        layer.StrideHeight, layer.StrideWidth, layer.DilationHeight, layer.DilationWidth,
        layer.PadTop, layer.PadLeft, layer.PadBottom, layer.PadRight, layer.Group,
        layer.AutoPad switch
        {
            ConvAutoPad.SameUpper => AutoPad.SameUpper,
            ConvAutoPad.SameLower => AutoPad.SameLower,
            ConvAutoPad.Valid => AutoPad.Valid,
            _ => AutoPad.NotSet,
        },
        ToKernel(layer.Activation));

    public static GemmSpec ToGemmSpec(GemmLayer layer) =>
        new(layer.K, layer.N, layer.TransA, layer.TransB, layer.Alpha, layer.Beta, ToKernel(layer.Activation));

    /// <summary>Theory cases: every path this process can run, each with shapes 0 to <paramref name="shapes"/> - 1.</summary>
    public static TheoryData<SimdPath, int> PathsAndShapes(int shapes) => PathsAndShapes(Enumerable.Range(0, shapes));

    /// <summary>
    /// Theory cases: every path, each with a sixth of shapes 0 to <paramref name="shapes"/> - 1 (those equal to
    /// <paramref name="first"/> modulo 6), for the tests that repeat runs per shape.
    /// </summary>
    public static TheoryData<SimdPath, int> PathsAndSixthOfShapes(int shapes, int first) =>
        PathsAndShapes(Enumerable.Range(0, shapes).Where(s => s % 6 == first));

    /// <summary>Theory cases: every path this process can run, each with the given shapes.</summary>
    public static TheoryData<SimdPath, int> PathsAndShapes(IEnumerable<int> shapes)
    {
        var cases = new TheoryData<SimdPath, int>();
        foreach (SimdPath path in AvailablePaths())
            foreach (int shape in shapes)
                cases.Add(path, shape);
        return cases;
    }

    /// <summary>Every path this process can run: the kernels fall back to narrower vectors, never wider.</summary>
    public static IEnumerable<SimdPath> AvailablePaths() =>
        Enum.GetValues<SimdPath>().Where(path => path <= SimdPaths.Best);
}
