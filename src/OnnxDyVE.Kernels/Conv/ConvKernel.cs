using System.Runtime.CompilerServices;
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
        int columnChunk = Math.Min(PanelLayout.CeilDiv(n, TileColumns) * TileColumns, ColumnChunk / TileColumns * TileColumns);
        int columnChunks = PanelLayout.CeilDiv(n, columnChunk);
        int outer = batch * Spec.Group * columnChunks;
        // Few column chunks (late layers: small maps, many channels): cut the output channels too.
        // A power of two, so the tasks split evenly over two, four or eight threads.
        int rowChunks = Math.Min(PanelLayout.CeilDiv(MinimumTasks, outer), _panelsPerGroup / MinimumPanelsPerRowChunk);
        rowChunks = rowChunks <= 1 ? 1 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)rowChunks + 1) / 2;
        int panelsPerRowChunk = PanelLayout.CeilDiv(_panelsPerGroup, rowChunks);
        rowChunks = PanelLayout.CeilDiv(_panelsPerGroup, panelsPerRowChunk);
        return new ConvWork(batch, geometry, columnChunk, columnChunks, panelsPerRowChunk, rowChunks,
            batch * Spec.Group * columnChunks * rowChunks);
    }

    /// <summary>Floats of scratch one task packs into.</summary>
    public int ScratchFloats(in ConvWork work) => Math.Min(PanelLayout.KBlock, Spec.ReductionLength) * work.ColumnChunk;

    /// <summary>Computes one task of <paramref name="work"/>: input N x C x H x W, output N x M x Ho x Wo.</summary>
    public void RunTask(in ConvWork work, float* input, float* output, int task)
    {
        switch (Path)
        {
            case SimdPath.Vector512:
                RunTask<Lane512, System.Runtime.Intrinsics.Vector512<float>>(work, input, output, task);
                break;
            case SimdPath.Vector256:
                RunTask<Lane256, System.Runtime.Intrinsics.Vector256<float>>(work, input, output, task);
                break;
            case SimdPath.Vector128:
                RunTask<Lane128, System.Runtime.Intrinsics.Vector128<float>>(work, input, output, task);
                break;
            default:
                RunTask<LaneScalar, float>(work, input, output, task);
                break;
        }
    }

    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in ConvWork work, float* input, float* output, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        ConvSpec spec = Spec;
        ConvGeometry geometry = work.Geometry;
        int rowChunk = task % work.RowChunks;
        int rest = task / work.RowChunks;
        int columnChunk = rest % work.ColumnChunks;
        rest /= work.ColumnChunks;
        int group = rest % spec.Group;
        int image = rest / spec.Group;

        int n = geometry.OutputSize;
        int n0 = columnChunk * work.ColumnChunk;
        int nLength = Math.Min(work.ColumnChunk, n - n0);
        int firstPanel = rowChunk * work.PanelsPerRowChunk;
        int lastPanel = Math.Min(firstPanel + work.PanelsPerRowChunk, _panelsPerGroup);
        int mGroup = spec.OutputChannelsPerGroup;
        int k = spec.ReductionLength;
        int tileColumns = TileColumns;
        int columnPanels = PanelLayout.CeilDiv(nLength, tileColumns);

        float* image0 = input + ((nint)image * spec.InputChannels + (nint)group * spec.InputChannelsPerGroup) * geometry.InputSize;
        float* out0 = output + ((nint)image * spec.OutputChannels + (nint)group * mGroup) * n + n0;
        float* packedB = ScratchArena.Rent(ScratchFloats(work));
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
                Im2ColPacker.Pack<TLane, TVec>(image0, spec, geometry, k0, kLength, n0, nLength, tileColumns, packedB);
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

/// <summary>A convolution run laid out as independent tasks.</summary>
public readonly record struct ConvWork(
    int Batch, ConvGeometry Geometry, int ColumnChunk, int ColumnChunks, int PanelsPerRowChunk, int RowChunks, int TaskCount);
