using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Lrn;

/// <summary>
/// <see cref="LrnSpec"/> over planes: a planar map's channel (rows of W floats), or a blocked map's block of 16
/// channels (rows of W x 16 floats, a position's channels one vector). Either way a window's columns are a fixed
/// distance apart in the row (1 or 16 floats), so one loop over a row's floats serves both. Each row's squares are
/// summed across the window's columns once, into a ring of Size rows; an output row adds the ring's rows its window
/// covers, then takes the power as exp(-beta ln s), vectorized, or where beta is 0.75 (Caffe's usual) as 1 / (r sqrt r)
/// with r = sqrt s: two square-root instructions instead of two polynomial evaluations. Tasks are planes.
/// </summary>
public sealed unsafe class LrnKernel(LrnSpec spec, SimdPath path) : IMapTasks<LrnWork>
{
    public LrnSpec Spec { get; } = Validated(spec);
    public SimdPath Path { get; } = path;

    /// <summary>How s^-beta is taken, chosen once from beta.</summary>
    private readonly PowerForm _power = spec.Beta == 0.75f ? PowerForm.ThreeQuarters : PowerForm.Logarithm;

    private enum PowerForm
    {
        /// <summary>exp(-beta ln s), any beta.</summary>
        Logarithm,
        /// <summary>s^-0.75 = 1 / (sqrt s x sqrt sqrt s).</summary>
        ThreeQuarters,
    }

    private static LrnSpec Validated(LrnSpec spec)
    {
        spec.Validate();
        return spec;
    }

    /// <summary>Floats a position holds in a plane's row: 1 planar, 16 blocked.</summary>
    private int Step => Spec.Layout == MapLayout.Blocked ? BlockedMaps.Block : 1;

    /// <summary>
    /// A run over <paramref name="planes"/> planes of <paramref name="height"/> x <paramref name="width"/> positions
    /// (N x C planar, N x C/16 blocked).
    /// </summary>
    public LrnWork Plan(int planes, int height, int width)
    {
        if (planes <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"an LRN runs over positive planes, heights and widths, got {planes} planes of {height} x {width}");
        long row = (long)width * Step;
        // The ring of summed rows and the padded row of squares, per task.
        long scratch = (Spec.Size + 1) * row + 2L * Spec.Radius * Step;
        if (scratch > int.MaxValue / 4) throw new ArgumentException($"a {height} x {width} map's rows are too long for an LRN of size {Spec.Size}");
        return new LrnWork(planes, height, width, (int)row);
    }

    /// <summary>Plane <paramref name="task"/> of <see cref="LrnWork.Planes"/>: input and output at the same offset.</summary>
    public void RunTask(in LrnWork work, float* input, float* output, int task)
    {
        var run = new TaskWork(this, work, input, output, task);
        SimdDispatch.Run(Path, ref run);
    }

    /// <summary>The arguments of one call, for <see cref="SimdDispatch"/>.</summary>
    private readonly struct TaskWork(LrnKernel kernel, LrnWork work, float* input, float* output, int task) : ISimdWork
    {
        public void Run<TLane, TVec>() where TLane : struct, ISimdLane<TVec> where TVec : struct => kernel.RunTask<TLane, TVec>(work, input, output, task);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TLane, TVec>(in LrnWork work, float* input, float* output, int task)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int size = Spec.Size, radius = Spec.Radius, step = Step, row = work.RowFloats, height = work.Height;
        nint plane = (nint)height * row;
        float* x = input + task * plane, y = output + task * plane;
        // Size rows of column sums, then a row of squares with the window's reach of zeros on each side.
        float* ring = ScratchArena.Rent((nint)(size + 1) * row + 2 * radius * step);
        float* squares = ring + (nint)size * row;
        new Span<float>(squares, radius * step).Clear();
        new Span<float>(squares + radius * step + row, radius * step).Clear();
        for (int r = 0; r < Math.Min(radius, height); r++) SumColumns<TLane, TVec>(x + (nint)r * row, ring + (nint)(r % size) * row, squares, row, size, step, radius);
        float scale = Spec.Alpha / (size * size);
        for (int r = 0; r < height; r++)
        {
            if (r + radius < height)
                SumColumns<TLane, TVec>(x + (nint)(r + radius) * row, ring + (nint)((r + radius) % size) * row, squares, row, size, step, radius);
            int first = Math.Max(0, r - radius), last = Math.Min(height - 1, r + radius);
            Normalize<TLane, TVec>(x + (nint)r * row, y + (nint)r * row, ring, first, last, row, size, scale);
        }
    }

    /// <summary>Into <paramref name="sums"/>: each position's squares summed over the window's columns (zeros past the row's ends).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumColumns<TLane, TVec>(float* source, float* sums, float* squares, int row, int size, int step, int radius)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        float* inside = squares + radius * step;
        int i = 0;
        for (; i <= row - TLane.Count; i += TLane.Count)
        {
            TVec v = TLane.Load(ref source[i]);
            TLane.Store(TLane.Multiply(v, v), ref inside[i]);
        }
        for (; i < row; i++) inside[i] = source[i] * source[i];
        i = 0;
        for (; i <= row - TLane.Count; i += TLane.Count)
        {
            TVec sum = TLane.Load(ref squares[i]);
            for (int d = 1; d < size; d++) sum = TLane.Add(sum, TLane.Load(ref squares[i + d * step]));
            TLane.Store(sum, ref sums[i]);
        }
        for (; i < row; i++)
        {
            float sum = squares[i];
            for (int d = 1; d < size; d++) sum += squares[i + d * step];
            sums[i] = sum;
        }
    }

    /// <summary>Row <paramref name="target"/> from <paramref name="source"/>: the ring's rows <paramref name="first"/> to <paramref name="last"/> added, then x (bias + scale s)^-beta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Normalize<TLane, TVec>(float* source, float* target, float* ring, int first, int last, int row, int size, float scale)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        int i = 0;
        for (; i <= row - TLane.Count; i += TLane.Count)
            TLane.Store(Normalized<TLane, TVec>(TLane.Load(ref source[i]), ring, i, first, last, row, size, scale), ref target[i]);
        for (; i < row; i++) target[i] = Normalized<LaneScalar, float>(source[i], ring, i, first, last, row, size, scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TVec Normalized<TLane, TVec>(TVec x, float* ring, int i, int first, int last, int row, int size, float scale)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        TVec sum = TLane.Load(ref ring[(nint)(first % size) * row + i]);
        for (int r = first + 1; r <= last; r++) sum = TLane.Add(sum, TLane.Load(ref ring[(nint)(r % size) * row + i]));
        TVec s = TLane.MultiplyAdd(sum, TLane.Broadcast(scale), TLane.Broadcast(Spec.Bias));
        switch (_power)
        {
            case PowerForm.ThreeQuarters:
                TVec root = TLane.Sqrt(s);
                return TLane.Divide(x, TLane.Multiply(root, TLane.Sqrt(root)));
            default:
                return TLane.Multiply(x, TLane.Exp(TLane.Multiply(TLane.Log(s), TLane.Broadcast(-Spec.Beta))));
        }
    }
}

/// <summary>One run of <see cref="LrnKernel"/>: its planes (the tasks) and their size.</summary>
public readonly record struct LrnWork(int Planes, int Height, int Width, int RowFloats)
{
    public int TaskCount => Planes;
}
