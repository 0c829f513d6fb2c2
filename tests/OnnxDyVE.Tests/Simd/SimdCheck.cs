using OnnxDyVE.Graph;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Kernels;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Simd;

/// <summary>
/// What a child process checks on whatever SIMD path its environment leaves it: DyveConv and DyveGemm inside
/// ONNX Runtime (which pick <see cref="SimdPaths.Best"/> on their own) against ORT's Conv and Gemm, on seeded
/// random layers; and blocked maps with zero maps, planar maps copied into blocks, and pruned weights against the scalar reference
/// (those copies take the process's widest vectors, whatever path the kernel's tiles take). Prints the path it ran and a verdict line; the
/// exit code is 0 only if every layer matched.
/// </summary>
internal static class SimdCheck
{
    public const int LayerCount = 40;

    /// <summary>The process's FMA rate, as the child reports it.</summary>
    public static string WideFmaRateLine => $"wideFmaRate={WideFmaRate.PerCycle}";

    public static int Run(TextWriter output)
    {
        output.WriteLine($"path={SimdPaths.Best}");
        output.WriteLine(WideFmaRateLine);
        int failures = 0;
        int checkedLayers = 0;
        for (int i = 0; i < LayerCount; i++)
        {
            ConvLayer conv = RandomLayers.ConvForOperator(i);
            // ORT's Conv refuses dilation with SAME padding; those layers have their own scalar-reference test.
            if (conv.AutoPad is ConvAutoPad.SameUpper or ConvAutoPad.SameLower && (conv.DilationHeight > 1 || conv.DilationWidth > 1))
                continue;
            failures += Compare(LayerModels.Conv(conv, i), conv.InputShape(), i, $"conv {conv}", output);
            GemmLayer gemm = RandomLayers.GemmForOperator(i);
            failures += Compare(LayerModels.Gemm(gemm, i), gemm.AShape(), i, $"gemm {gemm}", output);
            checkedLayers += 2;
        }
        for (int shape = 0; shape < BlockedConvTests.EdgeShapeCount; shape++)
        {
            failures += Check(() => new BlockedConvTests().Zero_maps_in_blocked_input_are_skipped_exactly(SimdPaths.Best, shape), $"blocked edge shape {shape}", output);
            checkedLayers++;
        }
        // Planar maps copied into blocks: 16 x 16 transposes with AVX-512, one value at a time without it.
        for (int shape = 0; shape < ConvKernelTests.PlanarIntoBlocksShapeCount; shape++)
        {
            failures += Check(() => new ConvKernelTests().Planar_inputs_of_many_channels_are_copied_into_blocks(SimdPaths.Best, shape), $"planar into blocks shape {shape}", output);
            checkedLayers++;
        }
        // Pruned weights: blocked maps copied and stored through 8 x 8 (AVX) or 4 x 4 (SSE) transposes, one value at a time without.
        for (int shape = 0; shape < SparseTapsTests.ShapeCount; shape++)
        {
            failures += Check(() => new SparseTapsTests().Pruned_weights_match_scalar_reference_in_every_layout(SimdPaths.Best, shape), $"pruned weights shape {shape}", output);
            checkedLayers++;
        }
        output.WriteLine($"checked={checkedLayers} failed={failures}");
        return failures == 0 ? 0 : 1;
    }

    private static int Compare(Onnx.ModelProto model, long[] inputShape, int seed, string context, TextWriter output) => Check(() =>
    {
        float[] input = LayerParameters.Uniform(new Random(seed + 50_000), LayerParameters.Count(inputShape));
        using var session = new LayerSession(model);
        LayerOutput[] outputs = session.Run(input, inputShape, LayerModels.ReferenceOutput, LayerModels.DyveOutput);
        OutputComparison.AssertClose(outputs[0].Values, outputs[1].Values, context);
    }, context, output);

    /// <returns>0 when <paramref name="check"/> passes, else 1 with its failure printed.</returns>
    private static int Check(Action check, string context, TextWriter output)
    {
        try
        {
            check();
            return 0;
        }
        catch (Exception ex)
        {
            output.WriteLine($"FAILED {context}: {ex.Message}");
            return 1;
        }
    }
}
