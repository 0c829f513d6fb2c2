using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// SFMA's near-uniform maps (<see cref="ConvSpec.SfmaDelta"/>) and merged pairs (<see cref="ConvSpec.SfmaPairs"/>) on
/// every vector path against <see cref="SfmaReference"/>: the same maps folded and pairs merged, the same values within
/// the common tolerance, the work it reports; effort 0 is the exact kernel bit for bit.
/// </summary>
public sealed class SfmaConvTests
{
    private const int ShapeCount = 48;

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(ShapeCount);

    public static TheoryData<SimdPath, int> SomeCases(int first) => KernelSpecs.PathsAndSixthOfShapes(ShapeCount, first);

    /// <summary>
    /// Stride-1 convolutions: maps from 1 x 1 up, kernels 1 to 5 (1x1 included, which SFMA moves off the pointwise
    /// product onto the padded copy), every fifth shape in two groups, every other shape padded (unevenly).
    /// </summary>
    private static ConvLayer Layer(int shape)
    {
        var r = new Random(9_000 + shape);
        int k = r.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
        int group = shape % 5 == 4 ? 2 : 1;
        bool padded = shape % 2 == 0;
        return new ConvLayer(r.Next(1, 3), group * r.Next(1, 12), r.Next(k, k + 12), r.Next(k, k + 12), group * r.Next(1, 45), k, k)
        {
            Group = group,
            PadTop = padded ? r.Next(0, k / 2 + 1) : 0, PadLeft = padded ? r.Next(0, k / 2 + 1) : 0,
            PadBottom = padded ? r.Next(0, k / 2 + 1) : 0, PadRight = padded ? r.Next(0, k / 2 + 1) : 0,
            HasBias = r.Next(2) == 0,
            Activation = RandomLayers.Activation(r),
        };
    }

    /// <param name="Threshold">The largest standard deviation folded (and RMS difference merged): SfmaDelta x InputScale x Effort.</param>
    private sealed record Case(ConvLayer Layer, LayerParameters Parameters, float[] Input, double Threshold, float Effort, ConvSpec Spec);

    /// <summary>
    /// Input maps of four kinds: zero, constant, near-constant (a standard deviation of 0.3 x the threshold) and varied
    /// (at least twice the threshold, or, for maps too small to vary much, at most half of it), so no map lies near
    /// the threshold, where float rounding may decide either way. One-group layers of two channels or more have candidate
    /// pairs (but every fourth shape): per image, map j near-equal to map i (an RMS difference of at most half the
    /// threshold) or far from it (at least twice).
    /// </summary>
    private static Case Make(int shape)
    {
        ConvLayer layer = Layer(shape);
        double threshold = shape % 3 == 0 ? 0.05 : 0.2;
        float effort = shape % 4 == 1 ? 0.6f : 1f;
        float inputScale = 0.5f + shape % 4;
        var r = new Random(30_000 + shape);
        int plane = layer.Height * layer.Width;
        var input = new float[layer.Batch * layer.InputChannels * plane];
        for (int map = 0; map < layer.Batch * layer.InputChannels; map++)
        {
            Span<float> values = input.AsSpan(map * plane, plane);
            float level = r.NextSingle() * 4f - 2f;
            float noise = (float)(0.3 * threshold * Math.Sqrt(3));
            switch (r.Next(4))
            {
                case 0:
                    break;
                case 1:
                    values.Fill(level);
                    break;
                case 2:
                    for (int i = 0; i < plane; i++) values[i] = level + (r.NextSingle() * 2f - 1f) * noise;
                    break;
                default:
                    Vary(values, threshold, r);
                    break;
            }
        }
        int[]? pairs = layer.Group == 1 && layer.InputChannels >= 2 && shape % 4 != 3 ? Pairs(layer.InputChannels, r) : null;
        if (pairs is not null) MakePairs(layer, input, pairs, threshold, r);
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        ConvSpec spec = KernelSpecs.ToConvSpec(layer) with
        {
            SkipZeroMaps = shape % 3 != 2,
            SfmaDelta = (float)(threshold / (inputScale * effort)),
            InputScale = inputScale,
            SfmaPairs = pairs,
        };
        return new Case(layer, parameters, input, threshold, effort, spec);
    }

    /// <summary>Values in [-1, 1) whose standard deviation is not near the threshold.</summary>
    private static void Vary(Span<float> values, double threshold, Random r)
    {
        do
        {
            for (int i = 0; i < values.Length; i++) values[i] = r.NextSingle() * 2f - 1f;
        } while (NearThreshold(Deviation(values), threshold));
    }

    /// <summary>Up to half the channels in disjoint pairs, in random order.</summary>
    private static int[] Pairs(int channels, Random r)
    {
        int[] order = [.. Enumerable.Range(0, channels)];
        r.Shuffle(order);
        return order[..(2 * r.Next(1, channels / 2 + 1))];
    }

    /// <summary>
    /// Per image and pair, map i mostly varied (a pair merges only where neither map is folded), and map j remade
    /// near-equal to it, or moved away from it until far.
    /// </summary>
    private static void MakePairs(ConvLayer layer, float[] input, int[] pairs, double threshold, Random r)
    {
        int plane = layer.Height * layer.Width;
        float noise = (float)(0.3 * threshold * Math.Sqrt(3));
        for (int image = 0; image < layer.Batch; image++)
            for (int p = 0; p < pairs.Length; p += 2)
            {
                int i = image * layer.InputChannels + pairs[p], j = image * layer.InputChannels + pairs[p + 1];
                Span<float> source = input.AsSpan(i * plane, plane), target = input.AsSpan(j * plane, plane);
                if (r.Next(4) != 0) Vary(source, threshold, r);
                if (r.Next(2) == 0)
                {
                    // Near-equal, and map j's own deviation far from the threshold (else an exact copy).
                    int tries = 0;
                    do
                    {
                        for (int t = 0; t < plane; t++) target[t] = source[t] + (r.NextSingle() * 2f - 1f) * noise;
                    } while (++tries < 20 && (SfmaReference.Difference(input, i, j, plane) > threshold / 2 || NearThreshold(Deviation(target), threshold)));
                    if (tries == 20) source.CopyTo(target);
                }
                else
                {
                    // Far: an offset changes the difference, not map j's deviation.
                    while (SfmaReference.Difference(input, i, j, plane) < 2 * threshold)
                        for (int t = 0; t < plane; t++) target[t] += 1f;
                }
            }
    }

    private static bool NearThreshold(double deviation, double threshold) => deviation > threshold / 2 && deviation < 2 * threshold;

    private static double Deviation(ReadOnlySpan<float> values)
    {
        double mean = 0, squares = 0;
        foreach (float v in values) mean += v;
        mean /= values.Length;
        foreach (float v in values) squares += (v - mean) * (v - mean);
        return Math.Sqrt(squares / values.Length);
    }

    private static ConvKernel Kernel(Case c, SimdPath path, ConvSpec? spec = null) =>
        new(spec ?? c.Spec, c.Parameters.Weights, c.Parameters.Bias ?? [], path);

    private static ConvWork Plan(ConvKernel kernel, ConvLayer layer, float effort) =>
        kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, effort: effort);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_and_counts_its_work(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvLayer layer = c.Layer;
        ConvKernel kernel = Kernel(c, path);
        string context = $"shape {shape} on {path}, threshold {c.Threshold}, effort {c.Effort}: {layer}";

        ConvWork work = Plan(kernel, layer, c.Effort);
        Assert.Equal(ConvAlgorithm.PaddedTaps, work.Algorithm);
        GuardedOutput output = ConvRuns.Run(kernel, work, c.Input);
        output.AssertGuardsIntact(context);

        (double Mean, double Deviation)[] moments = SfmaReference.Moments(layer, c.Input);
        bool[] folded = [.. moments.Select(m => m.Deviation <= c.Threshold)];
        int[] pairs = c.Spec.SfmaPairs ?? [];
        bool[] merged = SfmaReference.Merged(layer, c.Input, pairs, c.Threshold, folded);
        OutputComparison.AssertClose(SfmaReference.Conv(layer, c.Input, c.Parameters.Weights, c.Parameters.Bias, folded, moments, pairs, merged),
            output.Values, context);

        // Work: the live maps' MACs, a merged pair's two maps counted once; overhead: three operations per input value
        // for the moments, three per value of each pair's two maps for the pair's test, then per task one multiply-add
        // per folded map (not zero) and output channel, in each of the image's column chunks.
        int plane = layer.Height * layer.Width, taps = layer.KernelHeight * layer.KernelWidth;
        int cGroup = layer.InputChannels / layer.Group, mGroup = layer.OutputChannels / layer.Group;
        long positions = (long)work.Geometry.OutputSize;
        long executed = 0, foldedMaps = 0, foldOperations = 0;
        for (int image = 0; image < layer.Batch; image++)
            for (int g = 0; g < layer.Group; g++)
            {
                int live = 0, foldedHere = 0;
                for (int ch = 0; ch < cGroup; ch++)
                {
                    int map = image * layer.InputChannels + g * cGroup + ch;
                    if (!folded[map]) live++;
                    else if (c.Input.AsSpan(map * plane, plane).ContainsAnyExcept(0f)) foldedHere++;
                }
                live -= merged.Skip(image * pairs.Length / 2).Take(pairs.Length / 2).Count(m => m);
                executed += mGroup * positions * live * taps;
                foldedMaps += foldedHere;
                foldOperations += (long)foldedHere * mGroup * work.ColumnChunks;
            }
        CounterValues counted = kernel.Counters.Read();
        Assert.Equal(layer.Batch * layer.OutputChannels * positions * layer.InputChannels / layer.Group * taps, counted.DenseMacs);
        Assert.Equal(executed, counted.ExecutedMacs);
        Assert.Equal(foldedMaps, counted.FoldedMaps);
        Assert.Equal(merged.Count(m => m), counted.MergedPairs);
        long pairTests = (long)MapDifference.OperationsPerValue * layer.Batch * pairs.Length / 2 * plane;
        Assert.Equal((long)MapMoments.OperationsPerValue * c.Input.Length + pairTests + foldOperations, counted.OverheadOps);
    }

    [Theory]
    [MemberData(nameof(SomeCases), 0)]
    public void Effort_zero_is_the_exact_kernel_bit_for_bit(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvKernel sfma = Kernel(c, path), exact = Kernel(c, path, c.Spec with { SfmaDelta = 0, SfmaPairs = null });
        ConvWork work = Plan(sfma, c.Layer, 0f);
        Assert.Equal(Plan(exact, c.Layer, 0f), work);
        Assert.Equal(ConvRuns.Run(exact, work, c.Input).Values, ConvRuns.Run(sfma, work, c.Input).Values);
        Assert.Equal(0, sfma.Counters.Read().OverheadOps);
        Assert.Equal(0, sfma.Counters.Read().FoldedMaps);
        Assert.Equal(0, sfma.Counters.Read().MergedPairs);
    }

    [Theory]
    [MemberData(nameof(SomeCases), 1)]
    public void More_effort_never_executes_more(SimdPath path, int shape)
    {
        Case c = Make(shape);
        ConvRuns.AssertWorkNeverGrowsWithEffort(Kernel(c, path), c.Layer, c.Input, $"shape {shape} on {path}");
    }

    /// <summary>
    /// Two 3 x 3 maps, a 2 x 2 kernel, no padding: map 0 is constant 2 (folded: its mean times its weights' sum is
    /// exactly what it contributes), map 1 is 1..9 (varied, multiplied). The outputs are the exact convolution's.
    /// </summary>
    [Fact]
    public void A_constant_map_without_padding_folds_exactly()
    {
        var spec = new ConvSpec(2, 2, 2, 2, SkipZeroMaps: true, SfmaDelta: 0.5f, InputScale: 1f);
        float[] weights = [1, 2, 3, 4, 1, 0, 0, 1, -1, 0, 0, 0, 0, 1, 1, 0];
        float[] input = [2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        foreach (SimdPath path in KernelSpecs.AvailablePaths())
        {
            var kernel = new ConvKernel(spec, weights, [0.5f, -1f], path);
            GuardedOutput output = ConvRuns.Run(kernel, kernel.Plan(1, 2, 3, 3, effort: 1f), input);
            // Channel 0: 0.5 + 2 x 10 + x1[oy, ox] + x1[oy + 1, ox + 1]; channel 1: -1 + 2 x -1 + x1[oy, ox + 1] + x1[oy + 1, ox].
            Assert.Equal([26.5f, 28.5f, 32.5f, 34.5f, 3f, 5f, 9f, 11f], output.Values);
            CounterValues counted = kernel.Counters.Read();
            Assert.Equal(2 * 4 * 4, counted.ExecutedMacs);
            Assert.Equal(2 * 4 * 8, counted.DenseMacs);
            Assert.Equal(1, counted.FoldedMaps);
        }
    }

    /// <summary>
    /// Two images of six 3 x 3 maps, a 2 x 2 kernel, no padding, candidate pairs (0, 1), (2, 3) and (4, 5): map 0 is 1..9;
    /// map 1 is map 0 with 0.1 added at one position in image 0 (an RMS difference of 0.1 / 3), 1 in image 1 (1 / 3);
    /// maps 2 and 3 differ by 1 everywhere; maps 4 and 5 are the constants 3 and 3.01, near-equal but folded. At a
    /// threshold of 0.05 only image 0's first pair merges; at 0.03 none does.
    /// </summary>
    [Fact]
    public void Exactly_the_near_equal_pairs_of_live_maps_merge()
    {
        var layer = new ConvLayer(2, 6, 3, 3, 2, 2, 2) { HasBias = true };
        int[] pairs = [1, 0, 2, 3, 4, 5];
        var input = new float[2 * 6 * 9];
        for (int image = 0; image < 2; image++)
        {
            Span<float> maps = input.AsSpan(image * 54, 54);
            for (int t = 0; t < 9; t++)
            {
                maps[t] = maps[9 + t] = t + 1;
                maps[18 + t] = 9 - t;
                maps[27 + t] = 10 - t;
            }
            maps[9 + 4] += image == 0 ? 0.1f : 1f;
            maps.Slice(36, 9).Fill(3f);
            maps.Slice(45, 9).Fill(3.01f);
        }
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: 5);
        var spec = new ConvSpec(2, 6, 2, 2, SkipZeroMaps: true, SfmaDelta: 0.05f, InputScale: 1f, SfmaPairs: pairs);
        (double Mean, double Deviation)[] moments = SfmaReference.Moments(layer, input);
        bool[] folded = [.. moments.Select(m => m.Deviation <= 0.05)];
        foreach (SimdPath path in KernelSpecs.AvailablePaths())
        {
            var kernel = new ConvKernel(spec, parameters.Weights, parameters.Bias!, path);
            GuardedOutput output = ConvRuns.Run(kernel, kernel.Plan(2, 6, 3, 3, effort: 1f), input);
            OutputComparison.AssertClose(SfmaReference.Conv(layer, input, parameters.Weights, parameters.Bias, folded, moments, pairs,
                [true, false, false, false, false, false]), output.Values, $"{path}");
            CounterValues counted = kernel.Counters.Read();
            Assert.Equal(1, counted.MergedPairs);
            Assert.Equal(4, counted.FoldedMaps);
            // Image 0 multiplies maps 0 (for 0 and 1), 2 and 3; image 1 maps 0 to 3: M 2 x positions 4 x taps 4 each.
            Assert.Equal(2 * 4 * 4 * (3 + 4), counted.ExecutedMacs);

            CounterValues before = kernel.Counters.Read();
            ConvRuns.Run(kernel, kernel.Plan(2, 6, 3, 3, effort: 0.6f), input);
            Assert.Equal(0, (kernel.Counters.Read() - before).MergedPairs);
        }
    }

    [Fact]
    public void A_map_with_a_nan_or_an_infinity_is_never_folded()
    {
        var spec = new ConvSpec(1, 2, 1, 1, SfmaDelta: float.MaxValue);
        var kernel = new ConvKernel(spec, [1f, 1f], [], SimdPaths.Best);
        GuardedOutput output = ConvRuns.Run(kernel, kernel.Plan(1, 2, 2, 2, effort: 1f), [1, 1, float.NaN, 1, 3, float.PositiveInfinity, 3, 3]);
        Assert.True(float.IsNaN(output.Values[2]));
        Assert.Equal(float.PositiveInfinity, output.Values[1]);
        Assert.Equal(0, kernel.Counters.Read().FoldedMaps);
    }

    [Fact]
    public void A_pointwise_convolution_copies_its_input_only_when_sfma_folds()
    {
        var spec = new ConvSpec(8, 4, 1, 1, SfmaDelta: 1f);
        var kernel = new ConvKernel(spec, new float[spec.WeightCount], [], SimdPaths.Best);
        Assert.Equal(ConvAlgorithm.Pointwise, kernel.Plan(1, 4, 9, 9, effort: 0f).Algorithm);
        Assert.Equal(ConvAlgorithm.PaddedTaps, kernel.Plan(1, 4, 9, 9, effort: 0.5f).Algorithm);
        Assert.Equal(ConvAlgorithm.Pointwise, new ConvKernel(spec with { SfmaDelta = 0 }, new float[spec.WeightCount], [], SimdPaths.Best)
            .Plan(1, 4, 9, 9, effort: 0.5f).Algorithm);
    }
}
