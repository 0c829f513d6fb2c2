using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Graph;
using OnnxDyVE.Kernels;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// DyveConv's exact zero-input skipping (<see cref="ConvSpec.SkipZeroInputs"/>, <see cref="LiveTaps"/>): on blocked maps
/// after a ReLU-like sparsity, each tile of two, three or six output positions leaves out the taps its inputs are all zero
/// at. The output is bit for bit the kernel's without it, on every path; the MACs counted lie between what a plain
/// reference finds live per tile at the heights keeping the fewest and the most, task by task (AVX-512; the lists
/// themselves are checked height by height in <see cref="LiveTapsTests"/>), or are all of them (elsewhere). Position
/// tiles are forced: the kernel's own choice for most of these shapes is Winograd's tiles, which skip nothing.
/// </summary>
public sealed class ZeroInputTests
{
    private static readonly ConvLayer[] Layers =
    [
        // SqueezeNet's expand and ResNet18's stage shapes, scaled down: 3x3 padded, a 7 x 7 map (a three-row last tile),
        // a long K in passes, a 5 x 5 kernel (25 taps a channel), channels ending mid-block.
        new(1, 32, 12, 13, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(2, 48, 7, 7, 96, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
        new(1, 272, 7, 8, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true, Activation = LayerActivation.Relu },
        new(1, 21, 9, 8, 64, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2, HasBias = true, Activation = LayerActivation.Clip(0.25f, 6f) },
        // A 1x1 convolution of many outputs (SqueezeNet's conv_final, scaled down), read in place, and one padded.
        new(1, 96, 13, 13, 256, 1, 1) { HasBias = true, Activation = LayerActivation.Relu },
        new(1, 40, 6, 7, 256, 1, 1) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, HasBias = true },
    ];

    public static TheoryData<SimdPath, int> Cases() => KernelSpecs.PathsAndShapes(Enumerable.Range(0, Layers.Length));

    /// <summary>
    /// Nineteen inputs in twenty zero (a deep layer after a ReLU), whole rows zero in some maps: most tiles' taps go, so every
    /// task runs on lists, whatever its sample.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Zero_inputs_are_left_out_tile_by_tile_exactly(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        float[] input = SparseInput(layer, new Random(300 + shape), nonzero: 0.05);
        (long executed, long lowest, long highest, long dense) = AssertBitIdentical(layer, input, shape, path, $"shape {shape} on {path}, sparse: {layer}");
        if (ListsRun(path)) Assert.True(executed < dense / 2, $"shape {shape}: {executed} of {dense} MACs");
        Assert.InRange(executed, lowest, highest);
    }

    /// <summary>
    /// Maps with no zero: nothing is left out but what reads padding at some of a tile's positions and zeros at none (where a
    /// task's tiles run on lists: too few for a sample, or a sample reading padding at the sides), nothing without padding.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Dense_inputs_leave_out_padding_only(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        float[] input = SparseInput(layer, new Random(400 + shape), nonzero: 1);
        (long executed, long lowest, _, long dense) = AssertBitIdentical(layer, input, shape, path, $"shape {shape} on {path}, dense: {layer}");
        Assert.InRange(executed, lowest, dense);
        if (layer.PadTop + layer.PadLeft + layer.PadBottom + layer.PadRight == 0) Assert.Equal(dense, executed);
    }

    /// <summary>
    /// Where a chunk's panels are split among tasks (weights outweigh the image: SqueezeNet's conv_final), a phase of their own
    /// builds its lists once; where each chunk is one task, the task builds them. The sparse and dense cases above run both.
    /// </summary>
    [Fact]
    public void Lists_shared_by_several_tasks_are_built_in_a_phase_of_their_own()
    {
        if (!ListsRun(SimdPath.Vector512)) return;
        ConvLayer shared = Layers[4], own = Layers[0];
        LayerParameters parameters = LayerParameters.ForConv(shared, seed: 4);
        ConvWork work = new ConvKernel(Spec(shared, skip: true), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512)
            .Plan(shared.Batch, shared.InputChannels, shared.Height, shared.Width, ConvAlgorithm.PositionTiles);
        Assert.Equal(3, work.PhaseCount);
        Assert.True(work.BuildsTapLists(1));
        Assert.Equal(shared.Batch * work.ColumnChunks, work.PhaseTasks(1));
        Assert.True(work.RowChunks > 1, $"{work}");
        parameters = LayerParameters.ForConv(own, seed: 0);
        work = new ConvKernel(Spec(own, skip: true), parameters.Weights, parameters.Bias ?? [], SimdPath.Vector512)
            .Plan(own.Batch, own.InputChannels, own.Height, own.Width, ConvAlgorithm.PositionTiles);
        Assert.Equal(1, work.RowChunks);
        Assert.Equal(2, work.PhaseCount);
    }

    /// <summary>An infinite weight: 0 x inf is NaN, so a zero input is not nothing, and no tap is left out.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void An_infinite_weight_turns_the_lists_off(SimdPath path, int shape)
    {
        ConvLayer layer = Layers[shape];
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        parameters.Weights[^1] = float.PositiveInfinity;
        float[] input = SparseInput(layer, new Random(500 + shape), nonzero: 0.1);
        (float[] with, CounterValues counted) = RunBlocked(layer, parameters, input, skip: true, path);
        (float[] without, _) = RunBlocked(layer, parameters, input, skip: false, path);
        Assert.Equal(without, with);
        Assert.Equal(counted.DenseMacs, counted.ExecutedMacs);
    }

    /// <summary>Whether the lists run on <paramref name="path"/>: AVX-512's wide tiles only.</summary>
    private static bool ListsRun(SimdPath path) => path == SimdPath.Vector512 && Avx512F.IsSupported;

    /// <summary>
    /// Blocked in and out (and planar out), with and without skipping: equal bit for bit, close to the scalar reference.
    /// Returns the MACs counted with skipping, the fewest and the most the reference expects (<see cref="ExpectedMacs"/>),
    /// and the dense count.
    /// </summary>
    private static (long Executed, long Lowest, long Highest, long Dense) AssertBitIdentical(ConvLayer layer, float[] input, int shape, SimdPath path, string context)
    {
        LayerParameters parameters = LayerParameters.ForConv(layer, seed: shape);
        double[] reference = ScalarReference.Conv(layer, input, parameters.Weights, parameters.Bias);
        (float[] with, CounterValues counted) = RunBlocked(layer, parameters, input, skip: true, path);
        (float[] without, CounterValues all) = RunBlocked(layer, parameters, input, skip: false, path);
        Assert.Equal(without, with);
        OutputComparison.AssertClose(reference, BlockedTensors.ToPlanar(with, layer.Batch, layer.OutputChannels, reference.Length / layer.Batch / layer.OutputChannels, context), context);
        Assert.Equal(all.DenseMacs, all.ExecutedMacs);
        Assert.Equal(all.DenseMacs, counted.DenseMacs);
        var planar = new ConvKernel(KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, SkipZeroInputs = true }, parameters.Weights,
            parameters.Bias ?? [], path);
        GuardedOutput planarOut = ConvRuns.Run(planar, planar.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles), Blocked(layer, input));
        planarOut.AssertGuardsIntact(context);
        OutputComparison.AssertClose(reference, planarOut.Values, context);
        var kernel = new ConvKernel(Spec(layer, skip: true), parameters.Weights, parameters.Bias ?? [], path);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles);
        (long lowest, long highest) = ListsRun(path) ? ExpectedMacs(layer, input, work) : (counted.DenseMacs, counted.DenseMacs);
        return (counted.ExecutedMacs, lowest, highest, counted.DenseMacs);
    }

    private static ConvSpec Spec(ConvLayer layer, bool skip) =>
        KernelSpecs.ToConvSpec(layer) with { InputLayout = MapLayout.Blocked, OutputLayout = MapLayout.Blocked, SkipZeroInputs = skip };

    private static float[] Blocked(ConvLayer layer, float[] input) =>
        BlockedTensors.FromPlanar(input, layer.Batch, layer.InputChannels, layer.Height * layer.Width, 0f);

    private static (float[] Output, CounterValues Counted) RunBlocked(ConvLayer layer, LayerParameters parameters, float[] input, bool skip, SimdPath path)
    {
        var kernel = new ConvKernel(Spec(layer, skip), parameters.Weights, parameters.Bias ?? [], path);
        ConvWork work = kernel.Plan(layer.Batch, layer.InputChannels, layer.Height, layer.Width, ConvAlgorithm.PositionTiles);
        CounterValues before = kernel.Counters.Read();
        GuardedOutput output = ConvRuns.Run(kernel, work, Blocked(layer, input),
            layer.Batch * BlockedTensors.Blocks(layer.OutputChannels) * BlockedTensors.Block * work.Geometry.OutputSize);
        output.AssertGuardsIntact($"{layer} on {path}");
        return (output.Values.ToArray(), kernel.Counters.Read() - before);
    }

    /// <summary>
    /// Inputs nonzero with probability <paramref name="nonzero"/> (positive, as after a ReLU), every fifth map's even rows
    /// zero; a negative zero here and there is zero too.
    /// </summary>
    internal static float[] SparseInput(ConvLayer layer, Random random, double nonzero)
    {
        var input = new float[LayerParameters.Count(layer.InputShape())];
        int plane = layer.Height * layer.Width;
        for (int i = 0; i < input.Length; i++)
        {
            int map = i / plane, row = i % plane / layer.Width;
            bool zeroRow = nonzero < 1 && map % 5 == 0 && row % 2 == 0;
            input[i] = zeroRow || random.NextDouble() >= nonzero ? (random.Next(7) == 0 ? -0f : 0f) : (float)(0.05 + random.NextDouble());
        }
        return input;
    }

    /// <summary>
    /// The MACs of every task's tiles over the taps at which any of the tile's inputs is not zero, or all of them are
    /// padding, times its output channels: summed over tasks at the height whose tiles keep the fewest (two, three or six
    /// positions, the last tile fewer) and at the one whose keep the most (lower tiles can keep more: a tile of border
    /// positions alone reads only padding at taps a higher one reads some input at).
    /// </summary>
    private static (long Lowest, long Highest) ExpectedMacs(ConvLayer layer, float[] input, ConvWork work)
    {
        int columns = PanelLayout.Columns(SimdPath.Vector512);
        long lowest = 0, highest = 0;
        for (int t = 0; t < work.TaskCount; t++)
        {
            ConvTask task = work.Task(t);
            int channels = Math.Min(layer.OutputChannels, task.LastPanel * columns) - task.FirstPanel * columns;
            long[] heights = [.. new[] { 2, 3, PanelLayout.Rows }.Select(rows => channels * TaskTaps(layer, input, work.Geometry, task, rows))];
            lowest += heights.Min();
            highest += heights.Max();
        }
        return (lowest, highest);
    }

    /// <summary>The live taps x positions of <paramref name="task"/>'s tiles of <paramref name="height"/> positions.</summary>
    private static long TaskTaps(ConvLayer layer, float[] input, ConvGeometry g, ConvTask task, int height)
    {
        int plane = layer.Height * layer.Width;
        long total = 0;
        for (int first = 0; first < task.ColumnCount; first += height)
        {
            int rows = Math.Min(height, task.ColumnCount - first), live = 0;
            for (int c = 0; c < layer.InputChannels; c++)
                for (int ky = 0; ky < layer.KernelHeight; ky++)
                    for (int kx = 0; kx < layer.KernelWidth; kx++)
                    {
                        bool any = false, padding = true;
                        for (int r = 0; r < rows; r++)
                        {
                            int p = task.FirstColumn + first + r, oy = p / g.OutputWidth, ox = p % g.OutputWidth;
                            int y = oy + ky * layer.DilationHeight - layer.PadTop, x = ox + kx * layer.DilationWidth - layer.PadLeft;
                            bool inside = y >= 0 && y < layer.Height && x >= 0 && x < layer.Width;
                            padding &= !inside;
                            any |= inside && input[(task.Image * layer.InputChannels + c) * plane + y * layer.Width + x] != 0;
                        }
                        // Taps in the padding at all of the tile's positions count as executed (MLAS leaves them out too).
                        if (any || padding) live++;
                    }
            total += (long)live * rows;
        }
        return total;
    }
}
