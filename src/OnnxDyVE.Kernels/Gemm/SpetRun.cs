using System.Runtime.CompilerServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// One task of a Gemm with SPET (<see cref="SpetPlan"/>): the chunk's rows of A gathered in significance order, the
/// prefix as one dense product, then per row the test of every output and the rest of K for the alive ones only.
/// </summary>
/// <remarks>
/// With t = effort x spet_delta, output n of a row stops when
/// partial + beta C + bound x max(0, 1 - t) - activation_scale x max(0, t - 1) &lt; saturation
/// (0 for relu, clip's min) and is then set to the saturated output; bound = sum over the remaining k of
/// max(w hi, w lo), lo = min(0, the row's least input), hi = max(0, its greatest), plus the rounding slack
/// (<see cref="SpetPlan.Slack"/>) so that at t = 0 the test is exact.
/// </remarks>
internal static unsafe class SpetRun
{
    /// <summary>Overhead per input value of a row: its min and its max, for the row's range.</summary>
    private const int RangeOperations = 2;

    /// <summary>
    /// Overhead per output tested: the bound (two multiplies, an add), its slack (two multiplies, an add), the sum with
    /// the partial sum, beta C and the margin (four), the comparison.
    /// </summary>
    private const int TestOperations = 10;

    public static void Run<TLane, TVec>(SpetPlan plan, in GemmChunk chunk, float effort, KernelCounters counters)
        where TLane : struct, ISimdLane<TVec>
        where TVec : struct
    {
        GemmSpec spec = plan.Spec;
        int rows = chunk.Rows, k = spec.K, n = spec.N;
        int prefix = plan.PrefixLength;
        int rowFloats = prefix + plan.RemainderStride;
        int firstColumn = chunk.FirstPanel * plan.TileColumns;
        int columns = chunk.Columns(plan.TileColumns, n);
        // At batch 12 or below all of K is one block (zeros are skipped only then); the prefix is at most that.
        int kBlock = Math.Max(1, Math.Min(chunk.KBlock, prefix));
        int productFloats = PanelProduct.ScratchFloats(rows, prefix, kBlock, chunk.SkipZeros, 1);
        // The ordered rows, each row's range (hi, lo), the alive list, then the prefix product's own scratch.
        float* ordered = ScratchArena.Rent((nint)rows * rowFloats + 2 * rows + columns + productFloats);
        float* ranges = ordered + (nint)rows * rowFloats;
        int* alive = (int*)(ranges + 2 * rows);
        float* productScratch = (float*)(alive + columns);

        fixed (int* order = plan.Order)
            for (int r = 0; r < rows; r++)
                Gather(chunk.A + r * chunk.RowStride, chunk.KStride, order, k, ordered + (nint)r * rowFloats, rowFloats, ranges + 2 * r);

        long executed = 0;
        if (prefix > 0)
        {
            // No epilogue: the partial sums stay in Y for the test.
            int live = PanelProduct<TLane, TVec>.Run(ordered, rowFloats, 1, rows, prefix, kBlock, chunk.SkipZeros, plan.PrefixPanels.Pointer, plan.TileColumns,
                chunk.FirstPanel, chunk.LastPanel, n, chunk.Y, new TileEpilogue(null, 0, 0, 0, Activation.None), productScratch);
            executed += (long)live * rows * columns;
        }
        else
        {
            for (int r = 0; r < rows; r++) new Span<float>(chunk.Y + (nint)r * n + firstColumn, columns).Clear();
        }

        float t = effort * spec.SpetDelta;
        var rule = new SpetRule(
            BoundWeight: Math.Max(0, 1 - (double)t),
            Margin: spec.ActivationScale * Math.Max(0, (double)t - 1),
            Saturation: spec.Activation.Min,
            SaturatedOutput: spec.Activation.Apply(float.NegativeInfinity));
        fixed (float* remainder = plan.Remainder)
        {
            for (int r = 0; r < rows; r++)
            {
                float* y = chunk.Y + (nint)r * n;
                TileEpilogue epilogue = chunk.Epilogue.At(r, 0);
                int count = Test(plan, rule, y, epilogue, ranges[2 * r], ranges[2 * r + 1], firstColumn, columns, alive);
                AliveDots<TLane, TVec>.Run(ordered + (nint)r * rowFloats + prefix, remainder, plan.RemainderStride, alive, count, y, epilogue);
                executed += (long)plan.RemainderLength * count;
            }
        }
        long outputs = (long)rows * columns;
        counters.Add(executed, outputs * k, outputs);
        counters.AddOverhead((long)rows * k * RangeOperations + outputs * TestOperations);
    }

    /// <summary>
    /// destination[j] = row[order[j] x kStride] for j &lt; K, zeros after (the remainder's padding); range = (hi, lo) of
    /// the row with 0 included. NaN in the row makes the range NaN (Math.Max and Min propagate it), so no test on
    /// that row can pass before t reaches 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(float* row, nint kStride, int* order, int k, float* destination, int rowFloats, float* range)
    {
        float hi = 0f, lo = 0f;
        for (int j = 0; j < k; j++)
        {
            float value = row[order[j] * kStride];
            destination[j] = value;
            hi = MathF.Max(hi, value);
            lo = MathF.Min(lo, value);
        }
        for (int j = k; j < rowFloats; j++) destination[j] = 0f;
        range[0] = hi;
        range[1] = lo;
    }

    /// <summary>
    /// SPET's test for the outputs [firstColumn, firstColumn + columns) of one row, whose partial sums are in
    /// <paramref name="y"/>: a stopped output gets the saturated value, the others are listed in
    /// <paramref name="alive"/>. Returns how many are alive. In double, once per output (its cost is about 1/K of the
    /// output's work), so that the only rounding the slack must cover is the float sums'.
    /// </summary>
    private static int Test(SpetPlan plan, in SpetRule rule, float* y, in TileEpilogue epilogue, double hi, double lo,
        int firstColumn, int columns, int* alive)
    {
        double maxAbs = Math.Max(hi, -lo);
        double beta = epilogue.Beta;
        int count = 0;
        for (int n = firstColumn; n < firstColumn + columns; n++)
        {
            double bias = beta * epilogue.BiasAt(0, n);
            double value = y[n] + bias - rule.Margin;
            if (rule.BoundWeight > 0)
            {
                double bound = hi * plan.PositiveRest[n] + lo * plan.NegativeRest[n]
                    + maxAbs * plan.Slack[n] + Math.Abs(bias) * SpetPlan.BiasSlack;
                value += rule.BoundWeight * bound;
            }
            if (value < rule.Saturation) y[n] = rule.SaturatedOutput;
            else alive[count++] = n;
        }
        return count;
    }

    /// <summary>The run's test: partial + bias + BoundWeight x bound - Margin &lt; Saturation stops an output at SaturatedOutput.</summary>
    private readonly record struct SpetRule(double BoundWeight, double Margin, double Saturation, float SaturatedOutput);
}
