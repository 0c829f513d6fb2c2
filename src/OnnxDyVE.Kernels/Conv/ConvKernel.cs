using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Exact 2-D convolution as a packed GEMM per group: Y[m, n] = act(sum_k W[m, k] * im2col(X)[k, n] + b[m]).
/// Prepare (the constructor) packs the weights into tile panels once; a run splits the output into
/// independent tasks (image, group, column chunk, row chunk) that the host schedules on its own threads.
/// </summary>
public sealed unsafe class ConvKernel
{
    /// <summary>Output columns per task: the packed im2col block (KBlock x ColumnChunk) stays in L2.</summary>
    private const int ColumnChunk = 256;

    /// <summary>Tasks a run is cut into at least, when the shape allows, so two to eight threads stay busy.</summary>
    private const int MinimumTasks = 8;

    /// <summary>
    /// Fewest tile panels (of output channels) a row chunk keeps: every row chunk packs its own im2col block,
    /// so a chunk must have enough rows to pay for it.
    /// </summary>
    private const int MinimumPanelsPerRowChunk = 12;

    /// <summary>Largest run-wide im2col buffer (64 MiB) before row chunks go back to packing their own blocks.</summary>
    private const long MaximumSharedFloats = 16L << 20;

    private readonly float[] _packedWeights;
    private readonly float[] _bias;
    private readonly int _panelsPerGroup;

    public ConvSpec Spec { get; }
    public SimdPath Path { get; }
    /// <summary>Columns of a GEMM tile on this kernel's path.</summary>
    public int TileColumns { get; }

    /// <param name="spec">The convolution; validated here.</param>
    /// <param name="weights">M x C/group x kH x kW, row-major.</param>
    /// <param name="bias">M values, or empty for none.</param>
    /// <param name="path">The vector width to run with.</param>
    public ConvKernel(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path)
    {
        spec.Validate();
        if (weights.Length != spec.WeightCount)
            throw new ArgumentException($"weights hold {weights.Length} values, the convolution needs {spec.WeightCount} (M {spec.OutputChannels} x C/group {spec.InputChannelsPerGroup} x {spec.KernelHeight} x {spec.KernelWidth})");
        if (!bias.IsEmpty && bias.Length != spec.OutputChannels)
            throw new ArgumentException($"bias holds {bias.Length} values, the convolution has {spec.OutputChannels} output channels");

        Spec = spec;
        Path = path;
        TileColumns = PanelLayout.Columns(path);
        _panelsPerGroup = PanelLayout.CeilDiv(spec.OutputChannelsPerGroup, PanelLayout.Rows);
        int k = spec.ReductionLength;
        _packedWeights = GC.AllocateUninitializedArray<float>(checked(spec.Group * _panelsPerGroup * PanelLayout.Rows * k), pinned: true);
        _bias = bias.IsEmpty ? [] : GC.AllocateUninitializedArray<float>(bias.Length, pinned: true);
        bias.CopyTo(_bias);
        fixed (float* w = weights)
        fixed (float* packed = _packedWeights)
        {
            for (int g = 0; g < spec.Group; g++)
            {
                float* groupWeights = w + (nint)g * spec.OutputChannelsPerGroup * k;
                float* groupPanels = packed + (nint)g * _panelsPerGroup * PanelLayout.Rows * k;
                PanelLayout.PackRows(groupWeights, k, 1, spec.OutputChannelsPerGroup, k, 1f, groupPanels);
            }
        }
    }

    /// <summary>
    /// Checks an input shape against the kernel and lays out a run over it; throws <see cref="ArgumentException"/>
    /// naming the mismatch.
    /// </summary>
    public ConvWork Plan(int batch, int channels, int height, int width)
    {
        if (batch <= 0) throw new ArgumentException($"batch must be positive, got {batch}");
        if (channels != Spec.InputChannels)
            throw new ArgumentException($"input has {channels} channels, the weights expect {Spec.InputChannels} ({Spec.InputChannelsPerGroup} per group x group {Spec.Group})");
        ConvGeometry geometry = Spec.Geometry(height, width);
        int n = geometry.OutputSize;
        int k = Spec.ReductionLength;
        int columnChunk = Math.Min(PanelLayout.CeilDiv(n, TileColumns) * TileColumns, ColumnChunk / TileColumns * TileColumns);
        int columnChunks = PanelLayout.CeilDiv(n, columnChunk);
        int outer = batch * Spec.Group * columnChunks;
        // Few column chunks (late layers: small maps, many channels): cut the output channels too.
        // A power of two, so the tasks split evenly over two, four or eight threads.
        int rowChunks = Math.Min(PanelLayout.CeilDiv(MinimumTasks, outer), _panelsPerGroup / MinimumPanelsPerRowChunk);
        rowChunks = rowChunks <= 1 ? 1 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)rowChunks + 1) / 2;
        int panelsPerRowChunk = PanelLayout.CeilDiv(_panelsPerGroup, rowChunks);
        rowChunks = PanelLayout.CeilDiv(_panelsPerGroup, panelsPerRowChunk);
        // Row chunks of one column chunk need the same im2col block: pack it once, in a first parallel
        // phase, rather than once per row chunk, unless that block would be too large to hold.
        long sharedFloats = (long)outer * k * columnChunk;
        bool shared = rowChunks > 1 && sharedFloats <= MaximumSharedFloats;
        return new ConvWork(batch, geometry, columnChunk, columnChunks, panelsPerRowChunk, rowChunks,
            PanelLayout.CeilDiv(k, PanelLayout.KBlock), outer, shared ? sharedFloats : 0);
    }

    /// <summary>Floats of scratch one task packs into.</summary>
    private int TaskScratchFloats(in ConvWork work) => Math.Min(PanelLayout.KBlock, Spec.ReductionLength) * work.ColumnChunk;

    /// <summary>
    /// The run-wide buffer the packing phase fills and the compute phase reads, or null when the plan packs
    /// per task. Call on the thread that runs both phases; valid until its next call on that thread.
    /// </summary>
    public float* RentRunScratch(in ConvWork work) => work.SharedFloats > 0 ? ScratchArena.RentShared((nint)work.SharedFloats) : null;

    /// <summary>Packing phase, task <paramref name="task"/> of <see cref="ConvWork.PackTaskCount"/>: one block of K of one column chunk.</summary>
    public void RunPackTask(in ConvWork work, float* input, float* shared, int task)
    {
        int kBlock = task % work.KBlocks;
        int unit = task / work.KBlocks;
        int k0 = kBlock * PanelLayout.KBlock;
        int kLength = Math.Min(PanelLayout.KBlock, Spec.ReductionLength - k0);
        float* image = Unit(work, input, unit, out int n0, out int nLength);
        float* destination = shared + ((nint)unit * Spec.ReductionLength + k0) * work.ColumnChunk;
        Im2ColPacker.Pack(image, Spec, work.Geometry, k0, kLength, n0, nLength, TileColumns, destination);
    }

    /// <summary>
    /// Compute phase, task <paramref name="task"/> of <see cref="ConvWork.TaskCount"/>: input N x C x H x W,
    /// output N x M x Ho x Wo; <paramref name="shared"/> is the packing phase's buffer, or null.
    /// </summary>
    public void RunTask(in ConvWork work, float* input, float* output, float* shared, int task)
    {
        switch (Path)
        {
            case SimdPath.Vector512:
                RunTask<Lane512, Vector512<float>>(work, input, output, shared, task);
                break;
            case SimdPath.Vector256:
                RunTask<Lane256, Vector256<float>>(work, input, output, shared, task);
                break;
            case SimdPath.Vector128:
                RunTask<Lane128, Vector128<float>>(work, input, output, shared, task);
                break;
            default:
                RunTask<LaneScalar, float>(work, input, output, shared, task);
                break;
        }
    }

    /// <summary>The input channels of the group, and the output columns, of an (image, group, column chunk) unit.</summary>
    private float* Unit(in ConvWork work, float* input, int unit, out int n0, out int nLength)
    {
        int columnChunk = unit % work.ColumnChunks;
        int rest = unit / work.ColumnChunks;
        int group = rest % Spec.Group;
        int image = rest / Spec.Group;
        n0 = columnChunk * work.ColumnChunk;
        nLength = Math.Min(work.ColumnChunk, work.Geometry.OutputSize - n0);
        return input + ((nint)image * Spec.InputChannels + (nint)group * Spec.InputChannelsPerGroup) * work.Geometry.InputSize;
    }

    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in ConvWork work, float* input, float* output, float* shared, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        ConvSpec spec = Spec;
        int rowChunk = task % work.RowChunks;
        int unit = task / work.RowChunks;
        float* image = Unit(work, input, unit, out int n0, out int nLength);
        int group = unit / work.ColumnChunks % spec.Group;
        int imageIndex = unit / work.ColumnChunks / spec.Group;

        int n = work.Geometry.OutputSize;
        int firstPanel = rowChunk * work.PanelsPerRowChunk;
        int lastPanel = Math.Min(firstPanel + work.PanelsPerRowChunk, _panelsPerGroup);
        int mGroup = spec.OutputChannelsPerGroup;
        int k = spec.ReductionLength;
        int tileColumns = TileColumns;
        int columnPanels = PanelLayout.CeilDiv(nLength, tileColumns);

        float* out0 = output + ((nint)imageIndex * spec.OutputChannels + (nint)group * mGroup) * n + n0;
        float* unitShared = shared == null ? null : shared + (nint)unit * k * work.ColumnChunk;
        float* own = shared == null ? ScratchArena.Rent(TaskScratchFloats(work)) : null;
        fixed (float* weights = _packedWeights)
        fixed (float* bias = _bias)
        {
            float* groupPanels = weights + (nint)group * _panelsPerGroup * PanelLayout.Rows * k;
            var epilogue = new TileEpilogue(bias == null ? null : bias + group * mGroup, 1, 0, 1f, spec.Activation);
            for (int k0 = 0; k0 < k; k0 += PanelLayout.KBlock)
            {
                int kLength = Math.Min(PanelLayout.KBlock, k - k0);
                bool accumulate = k0 > 0;
                bool finish = k0 + kLength == k;
                float* packedB = unitShared != null ? unitShared + (nint)k0 * work.ColumnChunk : own;
                if (unitShared == null)
                    Im2ColPacker.Pack(image, spec, work.Geometry, k0, kLength, n0, nLength, tileColumns, packedB);
                for (int jp = 0; jp < columnPanels; jp++)
                {
                    float* b = packedB + (nint)jp * kLength * tileColumns;
                    int columns = Math.Min(tileColumns, nLength - jp * tileColumns);
                    for (int ip = firstPanel; ip < lastPanel; ip++)
                    {
                        int row = ip * PanelLayout.Rows;
                        float* a = groupPanels + ((nint)ip * k + k0) * PanelLayout.Rows;
                        float* c = out0 + (nint)row * n + jp * tileColumns;
                        GemmTile<TLane, TVec>.Run(a, b, kLength, c, n, Math.Min(PanelLayout.Rows, mGroup - row), columns,
                            accumulate, finish, epilogue.At(row, 0));
                    }
                }
            }
        }
    }
}

/// <summary>
/// A convolution run laid out as independent tasks: an optional packing phase (<see cref="PackTaskCount"/>
/// tasks filling a run-wide buffer of <see cref="SharedFloats"/>), then <see cref="TaskCount"/> compute tasks.
/// A unit is one (image, group, column chunk); compute tasks split a unit's output channels into row chunks.
/// </summary>
public readonly record struct ConvWork(
    int Batch, ConvGeometry Geometry, int ColumnChunk, int ColumnChunks, int PanelsPerRowChunk, int RowChunks,
    int KBlocks, int Units, long SharedFloats)
{
    public int PackTaskCount => SharedFloats > 0 ? Units * KBlocks : 0;
    public int TaskCount => Units * RowChunks;
}
