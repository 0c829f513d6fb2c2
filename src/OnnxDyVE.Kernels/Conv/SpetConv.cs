using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// SPET, saturation prediction and early termination, for a stride-1 convolution of one group followed by a
/// saturating activation (ReLU, clip). Prepare orders the input channels once by weight significance (sum of |w|
/// over outputs and taps); the first <see cref="PrefixChannels"/> form the prefix of K, the others the rest. A run:
/// <list type="number">
/// <item>copy: the padded input (as <see cref="ConvAlgorithm.PaddedTaps"/> reads it), each channel's range, and the
/// rest channels again, position-major (<see cref="SpetLayout.Rest"/>);</item>
/// <item>per task (a chunk of positions x a range of output channels): the prefix for every output, as dense tiles
/// over the padded input; then per output the test partial + bias + margin &lt; saturation value, where the margin
/// goes from the rest's largest possible contribution (t = 0: exact, it stops only outputs certain to saturate) to
/// minus the activation scale times (t - 1) beyond t = 1; stopped outputs take the saturation value; the outputs
/// left compute the rest of K as dot products over contiguous runs (the rest channels of one kernel row), four
/// alive positions of a channel sharing each load of its weights.</item>
/// </list>
/// The rest is never multiplied for a stopped output: no dense product is masked afterwards. Survivors sum the
/// rest in a different order from the dense kernel's, so their values agree with it to float rounding, not bit for bit.
/// </summary>
internal sealed unsafe class SpetConv
{
    /// <summary>Tasks a run is cut into at least, when the shape allows, so two to eight threads stay busy.</summary>
    private const int MinimumTasks = 8;

    /// <summary>Most compute columns (padded-width positions) per task: its partial sums stay in L1 and L2.</summary>
    private const int MaximumChunk = 128;

    /// <summary>
    /// The rest's channels are counted in whole groups of 8 where there are that many (the prefix takes the others),
    /// so that little of a vector is padding; the same on every path, so every path stops the same outputs.
    /// </summary>
    private const int RestGranule = 8;

    /// <summary>Slack on exact SPET's bound, relative to the rest's largest possible magnitude: covers float rounding.</summary>
    private const float BoundSlack = 1e-4f;

    private readonly ConvSpec _spec;
    private readonly SimdPath _path;
    private readonly int _tileColumns;
    private readonly KernelCounters _counters;
    private readonly int _taps;
    private readonly int _panels;
    private readonly float _floor;

    /// <summary>Input channels in significance order: _order[i] is the i-th most significant.</summary>
    private readonly int[] _order;

    /// <summary>Each input channel's place in <see cref="_order"/>.</summary>
    private readonly int[] _rank;

    /// <summary>The prefix's weights (prefix channels x taps, in significance order) in tile panels.</summary>
    private readonly float[] _prefixPanels;

    /// <summary>
    /// The rest's weights, per output channel <see cref="RestRowFloats"/> floats: per run (kernel row, or tap where
    /// dilated) the taps of that run, each <see cref="RestPitch"/> floats (rest channels, then zeros).
    /// </summary>
    private readonly float[] _restWeights;

    private readonly float[] _bias;

    /// <summary>
    /// Per output channel, per rest channel (<see cref="RestPitch"/> floats, zeros past the rest): the sum of its positive
    /// weights over the taps, and of its negative ones. Inputs range over [low, high] with low &lt;= 0 &lt;= high, so the
    /// most a channel's taps can add is high x positive + low x negative: exact SPET's bound costs two multiply-adds
    /// per rest channel, not per tap.
    /// </summary>
    private readonly float[] _positiveMass;
    private readonly float[] _negativeMass;

    public int PrefixChannels { get; }
    public int RestChannels { get; }

    /// <summary>Floats per position in the rest's position-major copy: the rest channels padded to whole vectors of the path.</summary>
    public int RestPitch { get; }

    /// <summary>Contiguous runs of one output's rest of K: one per kernel row (dilation 1 along the width) or one per tap.</summary>
    private int Runs => _spec.DilationWidth == 1 ? _spec.KernelHeight : _taps;

    private int RunFloats => _spec.DilationWidth == 1 ? _spec.KernelWidth * RestPitch : RestPitch;

    private int RestRowFloats => Runs * RunFloats;

    /// <summary>Whether SPET applies to <paramref name="spec"/>: stride 1 (it reads the padded input in place), one group, two channels or more.</summary>
    public static bool Applies(ConvSpec spec) =>
        spec.SpetPrefix > 0 && spec.StrideHeight == 1 && spec.StrideWidth == 1 && spec.Group == 1 && spec.InputChannels >= 2
        && spec.SaturationFloor is not null;

    public SpetConv(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, SimdPath path, KernelCounters counters)
    {
        _spec = spec;
        _path = path;
        _counters = counters;
        _tileColumns = PanelLayout.Columns(path);
        _taps = spec.KernelHeight * spec.KernelWidth;
        _floor = spec.SaturationFloor!.Value;
        int m = spec.OutputChannels, c = spec.InputChannels, k = spec.ReductionLength;
        _panels = PanelLayout.CeilDiv(m, PanelLayout.Rows);

        _order = SignificanceOrder(weights, m, c, _taps);
        _rank = new int[c];
        for (int i = 0; i < c; i++) _rank[_order[i]] = i;
        int requested = Math.Clamp((int)Math.Round(spec.SpetPrefix * c), 1, c - 1);
        RestChannels = c - requested >= RestGranule ? (c - requested) / RestGranule * RestGranule : c - requested;
        PrefixChannels = c - RestChannels;
        int lanes = SimdPaths.Width(path);
        RestPitch = PanelLayout.CeilDiv(RestChannels, lanes) * lanes;

        int prefixK = PrefixChannels * _taps;
        var prefix = new float[(long)m * prefixK];
        _restWeights = new float[checked(m * RestRowFloats)];
        _positiveMass = new float[checked(m * RestPitch)];
        _negativeMass = new float[checked(m * RestPitch)];
        for (int o = 0; o < m; o++)
            for (int i = 0; i < c; i++)
            {
                ReadOnlySpan<float> kernel = weights.Slice(o * k + _order[i] * _taps, _taps);
                if (i < PrefixChannels)
                {
                    kernel.CopyTo(prefix.AsSpan(o * prefixK + i * _taps, _taps));
                    continue;
                }
                int j = i - PrefixChannels;
                for (int t = 0; t < _taps; t++)
                {
                    _restWeights[o * RestRowFloats + RestIndex(t, j)] = kernel[t];
                    if (kernel[t] > 0) _positiveMass[o * RestPitch + j] += kernel[t];
                    else _negativeMass[o * RestPitch + j] += kernel[t];
                }
            }
        _prefixPanels = GC.AllocateUninitializedArray<float>(checked(_panels * PanelLayout.Rows * prefixK), pinned: true);
        fixed (float* source = prefix)
        fixed (float* packed = _prefixPanels)
            PanelLayout.PackRows(source, prefixK, 1, m, prefixK, 1f, packed);
        _bias = bias.IsEmpty ? new float[m] : bias.ToArray();
    }

    /// <summary>Where tap <paramref name="tap"/> of rest channel <paramref name="j"/> sits in an output's row of rest weights.</summary>
    private int RestIndex(int tap, int j) => _spec.DilationWidth == 1
        ? tap / _spec.KernelWidth * RunFloats + tap % _spec.KernelWidth * RestPitch + j
        : tap * RunFloats + j;

    /// <summary>Input channels by descending sum of |w| over every output and tap (ties by index, so the order is deterministic).</summary>
    private static int[] SignificanceOrder(ReadOnlySpan<float> weights, int m, int c, int taps)
    {
        var mass = new double[c];
        for (int o = 0; o < m; o++)
            for (int i = 0; i < c; i++)
                for (int t = 0; t < taps; t++)
                    mass[i] += Math.Abs(weights[(o * c + i) * taps + t]);
        int[] order = [.. Enumerable.Range(0, c)];
        Array.Sort(order, (x, y) => mass[x] != mass[y] ? mass[y].CompareTo(mass[x]) : x.CompareTo(y));
        return order;
    }

    /// <summary>
    /// A run's chunks of compute columns and ranges of output channels, and where its per-image data go in the
    /// run-wide buffer after the first <paramref name="start"/> floats.
    /// </summary>
    public (int Chunk, int Chunks, int PanelsPerRange, int Ranges, SpetLayout Layout, long SharedFloats) Layout(
        int batch, in ConvGeometry geometry, float strength, long start)
    {
        int columns = PaddedTaps.Columns(geometry);
        int perImage = PanelLayout.CeilDiv(MinimumTasks, batch);
        int chunk = Math.Clamp(PanelLayout.CeilDiv(PanelLayout.CeilDiv(columns, perImage), _tileColumns) * _tileColumns, _tileColumns,
            Math.Max(_tileColumns, MaximumChunk / _tileColumns * _tileColumns));
        int chunks = PanelLayout.CeilDiv(columns, chunk);
        int ranges = Math.Clamp(PanelLayout.CeilDiv(perImage, chunks), 1, _panels);
        int panelsPerRange = PanelLayout.CeilDiv(_panels, ranges);
        ranges = PanelLayout.CeilDiv(_panels, panelsPerRange);
        long rangeValues = Align(start);
        long rest = Align(rangeValues + 2L * batch * _spec.InputChannels);
        long shared = rest + batch * PaddedTaps.Plane(geometry) * RestPitch;
        return (chunk, chunks, panelsPerRange, ranges, new SpetLayout(strength, rangeValues, rest), shared);
    }

    /// <summary>Rounds a float offset up to a cache line.</summary>
    private static long Align(long floats) => (floats + 15) & ~15L;

    /// <summary>
    /// After the copy task has copied channels [first, last) of image <paramref name="image"/> into its padded planes
    /// (at <paramref name="padded"/>), copies those of them in the rest into the position-major copy; the task with the
    /// last channel also zeroes the padding channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CopyRest(in ConvWork work, float* shared, int image, int first, int last)
    {
        nint plane = PaddedTaps.Plane(work.Geometry);
        float* padded = shared + (nint)image * _spec.InputChannels * plane;
        float* rest = shared + work.Spet.Rest + (nint)image * plane * RestPitch;
        // Blocks of positions, so the lines written (one per position) stay in L1 while every channel of the task
        // writes its value into them: writing channel by channel across the whole plane cost a cache miss per value.
        const int block = 16;
        for (nint p0 = 0; p0 < plane; p0 += block)
        {
            nint positions = Math.Min(block, plane - p0);
            for (int c = first; c < last; c++)
            {
                int j = _rank[c] - PrefixChannels;
                if (j < 0) continue;
                float* source = padded + c * plane + p0;
                float* target = rest + p0 * RestPitch + j;
                for (nint p = 0; p < positions; p++) target[p * RestPitch] = source[p];
            }
        }
        if (last == _spec.InputChannels && RestPitch > RestChannels)
            for (nint p = 0; p < plane; p++)
                new Span<float>(rest + p * RestPitch + RestChannels, RestPitch - RestChannels).Clear();
    }

    /// <summary>Compute task <paramref name="task"/> of <see cref="ConvWork.TaskCount"/>.</summary>
    public void RunTask(in ConvWork work, float* output, float* shared, int task)
    {
        var run = new TaskWork(this, work, output, shared, task);
        SimdDispatch.Run(_path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(SpetConv kernel, ConvWork work, float* output, float* shared, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, output, shared, task);
    }

    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in ConvWork work, float* output, float* shared, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        ConvSpec spec = _spec;
        ConvGeometry geometry = work.Geometry;
        (int image, int n0, int nLength, int firstPanel, int lastPanel) = work.Task(task);
        var rows = new RowRange(firstPanel, Math.Min(lastPanel, _panels), spec.OutputChannels);
        int c = spec.InputChannels;
        int prefixK = PrefixChannels * _taps;
        nint plane = PaddedTaps.Plane(geometry);
        nint pitch = (nint)geometry.PaddedWidth;
        float* padded = shared + (nint)image * c * plane;
        float* rest = shared + work.Spet.Rest + (nint)image * plane * RestPitch;
        float* ranges = shared + work.Spet.Ranges + 2L * image * c;

        // The task's scratch: prefix offsets, run offsets, partial sums (one chunk-wide row per output channel),
        // the chunk's real columns, one row's alive columns, the rest's value ranges.
        nint chunk = work.ColumnChunk;
        nint sumsFloats = (nint)(rows.LastPanel - rows.FirstPanel) * PanelLayout.Rows * chunk;
        nint offsetFloats = (prefixK + Runs) * (nint)(sizeof(nint) / sizeof(float));
        float* scratch = ScratchArena.Rent(offsetFloats + sumsFloats + 2 * chunk + 2 * RestPitch + PrefixChannels / sizeof(float) + 1);
        nint* offsets = (nint*)scratch;
        nint* runOffsets = offsets + prefixK;
        float* sums = scratch + offsetFloats;
        int* columns = (int*)(sums + sumsFloats);
        int* alive = columns + chunk;
        float* low = (float*)(alive + chunk);
        float* high = low + RestPitch;
        byte* prefixFlags = (byte*)(high + RestPitch);

        for (int i = 0; i < PrefixChannels; i++)
            for (int ky = 0; ky < spec.KernelHeight; ky++)
                for (int kx = 0; kx < spec.KernelWidth; kx++)
                    *offsets++ = _order[i] * plane + ky * spec.DilationHeight * pitch + kx * spec.DilationWidth;
        offsets = (nint*)scratch;
        for (int r = 0; r < Runs; r++)
        {
            (int ky, int kx) = spec.DilationWidth == 1 ? (r, 0) : (r / spec.KernelWidth, r % spec.KernelWidth);
            runOffsets[r] = (ky * spec.DilationHeight * pitch + kx * spec.DilationWidth) * RestPitch;
        }

        KSegments segments = KSegments.All(prefixK);
        if (work.ZeroMapFlags != 0)
        {
            // The prefix channels' zero-map flags, in significance order.
            byte* zeroMaps = (byte*)(shared + work.ZeroMapFlags) + (nint)image * c;
            for (int i = 0; i < PrefixChannels; i++) prefixFlags[i] = zeroMaps[_order[i]];
            segments = KSegments.LiveChannels(prefixFlags, PrefixChannels, _taps, ScratchArena.RentSegments(PrefixChannels + prefixK / PanelLayout.KBlock + 2));
        }

        fixed (float* prefixPanels = _prefixPanels)
        {
            var a = new WeightPanels(prefixPanels, prefixK, new TileEpilogue(null, 1, 0, 1f, Activation.None));
            var source = new ShiftedRows(padded + n0, offsets, _tileColumns);
            var target = new OutputRows(sums - (nint)rows.First * chunk, chunk, _tileColumns);
            ConvKernel.Multiply<TLane, TVec, OffsetRows, ShiftedRows, OutputRows>(_tileColumns, source, target, a, rows, nLength, null, 0, segments);
        }

        // Real columns of the chunk (padded-width rows compute a few past each row's end).
        int realColumns = 0;
        for (int n = 0; n < nLength; n++)
            if ((n0 + n) % pitch < geometry.OutputWidth) columns[realColumns++] = n;

        float strength = work.Spet.Strength;
        bool bounded = strength < 1;
        if (bounded)
            for (int j = 0; j < RestPitch; j++)
            {
                low[j] = j < RestChannels ? ranges[2 * _order[PrefixChannels + j]] : 0f;
                high[j] = j < RestChannels ? ranges[2 * _order[PrefixChannels + j] + 1] : 0f;
            }

        long aliveOutputs = 0;
        Activation activation = spec.Activation;
        float floor = _floor;
        fixed (float* restWeights = _restWeights)
        fixed (float* positiveMass = _positiveMass)
        fixed (float* negativeMass = _negativeMass)
        fixed (float* bias = _bias)
        {
            for (int o = rows.First; o < rows.First + rows.Count; o++)
            {
                float* weights = restWeights + (nint)o * RestRowFloats;
                float margin = bounded
                    ? Bound<TLane, TVec>(positiveMass + (nint)o * RestPitch, negativeMass + (nint)o * RestPitch, low, high, RestPitch) * (1 - strength)
                    : -spec.ActivationScale * (strength - 1);
                // Stop where partial + bias + margin < floor; a NaN anywhere fails the test and the output is computed.
                float threshold = floor - bias[o] - margin;
                float* row = sums + (nint)(o - rows.First) * chunk;
                int count = 0;
                for (int i = 0; i < realColumns; i++)
                {
                    // Without branches: stops and survivors mix unpredictably.
                    int n = columns[i];
                    float partial = row[n];
                    bool stop = partial < threshold;
                    row[n] = stop ? floor : partial;
                    alive[count] = n;
                    count += stop ? 0 : 1;
                }
                aliveOutputs += count;
                FinishAlive<TLane, TVec>(weights, rest + (nint)n0 * RestPitch, RestPitch, runOffsets, Runs, RunFloats, alive, count, row, bias[o], activation);
            }
        }
        PaddedTaps.StoreColumns(sums, chunk, rows.Count, n0, nLength, ColumnPlacement.PaddedRows(geometry), geometry.OutputSize,
            output + ((nint)image * spec.OutputChannels + rows.First) * geometry.OutputSize);

        long outputs = (long)rows.Count * realColumns;
        int restK = RestChannels * _taps;
        _counters.Add(outputs * segments.TotalLength + aliveOutputs * restK, outputs * spec.ReductionLength, outputs);
        _counters.AddStopped(outputs - aliveOutputs);
        // One comparison per output; the bound, two multiply-adds per rest channel and output channel.
        _counters.AddOverhead(outputs + (bounded ? 2L * rows.Count * RestChannels : 0));
    }

    /// <summary>
    /// The most an output's rest of K can add, sum over rest channels of high x positive + low x negative weight mass,
    /// plus a slack for float rounding; infinite or NaN when an input holds a NaN or an infinity (the output is then
    /// never stopped).
    /// </summary>
    // Its own method, with no calls inside: a call clobbers every vector register and the JIT would keep the sums in memory.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Bound<TLane, TVec>(float* positive, float* negative, float* low, float* high, int pitch)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        TVec most = TLane.Zero, spread = TLane.Zero;
        for (int j = 0; j < pitch; j += TLane.Count)
        {
            TVec p = TLane.Load(ref positive[j]), n = TLane.Load(ref negative[j]);
            TVec h = TLane.Load(ref high[j]), l = TLane.Load(ref low[j]);
            most = TLane.MultiplyAdd(p, h, TLane.MultiplyAdd(n, l, most));
            // Sum of |w| x max(high, -low) is at most (positive - negative) x (high - low): the rest's magnitude.
            spread = TLane.MultiplyAdd(TLane.Subtract(p, n), TLane.Subtract(h, l), spread);
        }
        return TLane.Sum(most) + BoundSlack * TLane.Sum(spread);
    }

    /// <summary>
    /// Finishes one output channel's alive columns: the rest of K as dot products over its runs (four columns sharing
    /// each load of the weights), added to the partial sums in <paramref name="row"/> with the bias, activated.
    /// </summary>
    /// <param name="rest">The position-major rest at the chunk's first column.</param>
    // Its own method, with no calls inside: a call clobbers every vector register and the JIT would keep the sums in memory.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FinishAlive<TLane, TVec>(float* weights, float* rest, nint pitch, nint* runOffsets, int runs, int runFloats,
        int* alive, int count, float* row, float bias, Activation activation)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int width = TLane.Count;
        int q = 0;
        for (; q + 4 <= count; q += 4)
        {
            float* x0 = rest + alive[q] * pitch;
            float* x1 = rest + alive[q + 1] * pitch;
            float* x2 = rest + alive[q + 2] * pitch;
            float* x3 = rest + alive[q + 3] * pitch;
            TVec s0 = TLane.Zero, s1 = TLane.Zero, s2 = TLane.Zero, s3 = TLane.Zero;
            for (int r = 0; r < runs; r++)
            {
                float* w = weights + r * runFloats;
                nint offset = runOffsets[r];
                for (int j = 0; j < runFloats; j += width)
                {
                    TVec wv = TLane.Load(ref w[j]);
                    s0 = TLane.MultiplyAdd(wv, TLane.Load(ref x0[offset + j]), s0);
                    s1 = TLane.MultiplyAdd(wv, TLane.Load(ref x1[offset + j]), s1);
                    s2 = TLane.MultiplyAdd(wv, TLane.Load(ref x2[offset + j]), s2);
                    s3 = TLane.MultiplyAdd(wv, TLane.Load(ref x3[offset + j]), s3);
                }
            }
            Vector128<float> sums = TLane.Sum4(s0, s1, s2, s3);
            row[alive[q]] = activation.Apply(row[alive[q]] + sums.GetElement(0) + bias);
            row[alive[q + 1]] = activation.Apply(row[alive[q + 1]] + sums.GetElement(1) + bias);
            row[alive[q + 2]] = activation.Apply(row[alive[q + 2]] + sums.GetElement(2) + bias);
            row[alive[q + 3]] = activation.Apply(row[alive[q + 3]] + sums.GetElement(3) + bias);
        }
        for (; q < count; q++)
        {
            float* x = rest + alive[q] * pitch;
            TVec sum = TLane.Zero;
            for (int r = 0; r < runs; r++)
            {
                float* w = weights + r * runFloats;
                float* xr = x + runOffsets[r];
                for (int j = 0; j < runFloats; j += width)
                    sum = TLane.MultiplyAdd(TLane.Load(ref w[j]), TLane.Load(ref xr[j]), sum);
            }
            row[alive[q]] = activation.Apply(row[alive[q]] + TLane.Sum(sum) + bias);
        }
    }
}
