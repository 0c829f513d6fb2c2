using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Gemm;
using OnnxDyVE.Schema;
using OnnxDyVE.Tests.Simd;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// <see cref="LiveTaps"/> alone, on hand-made blocked inputs (each position's 16 channels of a block at a tap one vector):
/// the lists at every tile height against a plain reference, and the height the sample chooses where the zeros say
/// which one leaves out the most for its cost.
/// </summary>
public sealed unsafe class LiveTapsTests
{
    /// <summary>
    /// Each tile's entries are the k at which any of its positions reads a value other than zero (-0 is zero), in the
    /// order of K; its pass ends cut them where K's passes end; the count returned is entries x positions over tiles.
    /// </summary>
    [Theory]
    [InlineData(2, 37, 21, 9, 64)]
    [InlineData(3, 37, 21, 9, 64)]
    [InlineData(6, 37, 21, 9, 64)]
    [InlineData(2, 8, 48, 1, 16)]
    [InlineData(3, 13, 48, 1, 20)]
    [InlineData(6, 25, 5, 25, 128)]
    [InlineData(3, 4, 32, 9, 288)]
    public void Lists_at_every_height_are_the_taps_their_positions_read_a_value_at(int rows, int count, int channels, int taps, int passLength)
    {
        if (!Avx512F.IsSupported) return;
        var inputs = new BlockedPositions(count, channels, taps, new Random(rows * 1000 + count), nonzero: 0.15);
        int k = channels * taps, passes = (k + passLength - 1) / passLength, tiles = (count + rows - 1) / rows;
        int stride = LiveTaps.StrideFor(k, passes);
        int[] lists = new int[tiles * stride + 16];
        long kept;
        fixed (float* padded = inputs.Values)
        fixed (nint* origins = inputs.Origins, offsets = inputs.Offsets)
        fixed (int* into = lists)
            kept = LiveTaps.BuildAt(rows, padded, origins, count, offsets, channels, taps, passLength, new LiveTaps(into, stride, passes));

        long expectedKept = 0;
        for (int tile = 0; tile < tiles; tile++)
        {
            int first = tile * rows, here = Math.Min(rows, count - first);
            var live = Enumerable.Range(0, k).Where(kk => Enumerable.Range(first, here).Any(p => inputs.At(p, kk) != 0)).ToArray();
            int[] ends = lists.AsSpan(tile * stride, passes + 1).ToArray();
            int[] entries = lists.AsSpan(tile * stride + passes + 1, ends[passes]).ToArray();
            Assert.Equal(live, entries);
            for (int pass = 0; pass <= passes; pass++)
                Assert.Equal(live.Count(kk => kk < Math.Min(k, pass * passLength)), ends[pass]);
            expectedKept += (long)live.Length * here;
        }
        Assert.Equal(expectedKept, kept);
    }

    /// <summary>
    /// Zeros in pairs of positions: tiles of two leave out half the taps, tiles of three and six none; in threes, tiles of
    /// three; in whole groups of six, every height leaves out as much and six costs least; no zero: no lists.
    /// </summary>
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(6, 6)]
    [InlineData(0, 1)]
    public void The_sample_chooses_the_height_whose_lists_cost_least(int expected, int zerosTogether)
    {
        if (!Avx512F.IsSupported) return;
        const int count = 96, channels = 32, taps = 9;
        var inputs = new BlockedPositions(count, channels, taps, new Random(3), nonzero: 1);
        ZeroAtEveryOtherTap(inputs, count, channels * taps, zerosTogether);
        fixed (float* padded = inputs.Values)
        fixed (nint* origins = inputs.Origins, offsets = inputs.Offsets)
            Assert.Equal(expected, LiveTaps.ChooseRows(padded, origins, count, offsets, channels, taps, maxKept: 0.85));
    }

    /// <summary>
    /// A task no larger than the sample takes two-position tiles unasked, dense or not, where one 512-bit FMA retires a
    /// cycle; where two do, it samples its positions: dense, no lists; zero at every other tap by pairs, two-position tiles.
    /// This process's rate here, both rates in child processes (<see cref="WideFmaRate.Variable"/>).
    /// </summary>
    [Fact]
    public void A_task_no_larger_than_the_sample_takes_two_position_tiles_where_one_fma_retires_a_cycle()
    {
        if (!Avx512F.IsSupported) return;
        Assert.Equal(ExpectedChoices(WideFmaRate.PerCycle), ListChoicesLine());
        foreach (int rate in new[] { 1, 2 })
        {
            (int exitCode, string output) = ChildProcess.Run(WideFmaRate.Variable, rate.ToString(), "list-choices");
            Assert.True(exitCode == 0, $"child at rate {rate} exited {exitCode}:\n{output}");
            Assert.Equal(ExpectedChoices(rate), output.Trim());
        }
    }

    [Fact]
    public void Lists_must_keep_fewer_taps_where_two_fmas_retire_a_cycle()
    {
        for (int panels = 1; panels <= 32; panels++)
        {
            double one = PositionTiles.OwnTapsMaxKept(panels, fmaRate: 1), two = PositionTiles.OwnTapsMaxKept(panels, fmaRate: 2);
            Assert.InRange(one, 0, 0.85);
            Assert.InRange(two, 0, one - 0.1);
            Assert.True(panels == 1 || one >= PositionTiles.OwnTapsMaxKept(panels - 1, fmaRate: 1), "more panels share a list's cost");
        }
    }

    private static string ExpectedChoices(int rate) => $"rate={rate} dense={(rate == 1 ? 2 : 0)} pairs=2";

    /// <summary>
    /// This process's rate and the heights a task of the sample's size takes on dense inputs and on inputs zero at every
    /// other tap by pairs of positions (a child's one line).
    /// </summary>
    internal static string ListChoicesLine() => $"rate={WideFmaRate.PerCycle} dense={SmallTaskRows(1)} pairs={SmallTaskRows(2)}";

    private static int SmallTaskRows(int zerosTogether)
    {
        const int count = LiveTaps.SampleTiles * 6 - 2, channels = 32, taps = 9;
        var inputs = new BlockedPositions(count, channels, taps, new Random(4), nonzero: 1);
        ZeroAtEveryOtherTap(inputs, count, channels * taps, zerosTogether);
        fixed (float* padded = inputs.Values)
        fixed (nint* origins = inputs.Origins, offsets = inputs.Offsets)
            return LiveTaps.ChooseRows(padded, origins, count, offsets, channels, taps, maxKept: 0.85);
    }

    /// <summary>Group g of <paramref name="zerosTogether"/> positions is zero at every other tap (by g); nothing where zeros are alone.</summary>
    private static void ZeroAtEveryOtherTap(BlockedPositions inputs, int count, int k, int zerosTogether)
    {
        if (zerosTogether < 2) return;
        for (int p = 0; p < count; p++)
            for (int kk = 0; kk < k; kk++)
                if ((kk + p / zerosTogether) % 2 == 0) inputs.Set(p, kk, 0);
    }

    /// <summary>
    /// Positions one after another, each holding its channels' blocks at every tap (tap t of block b at (b x taps + t) x 16):
    /// what <see cref="LiveTaps"/> reads through origins and offsets, as the padded copy's blocked maps are read.
    /// </summary>
    private sealed class BlockedPositions
    {
        private readonly int _taps;
        private readonly int _positionFloats;

        public BlockedPositions(int count, int channels, int taps, Random random, double nonzero)
        {
            _taps = taps;
            int blocks = (channels + 15) / 16;
            _positionFloats = blocks * taps * 16;
            Values = new float[count * _positionFloats + 16];
            // Lanes past the last channel hold values too: the lists must not take them.
            for (int i = 0; i < Values.Length; i++)
                Values[i] = random.NextDouble() < nonzero ? (float)(0.1 + random.NextDouble()) : random.Next(3) == 0 ? -0f : 0f;
            Origins = Enumerable.Range(0, count).Select(p => (nint)(p * _positionFloats)).ToArray();
            Offsets = Enumerable.Range(0, channels * taps).Select(kk => (nint)Offset(kk)).ToArray();
        }

        public float[] Values { get; }
        public nint[] Origins { get; }
        public nint[] Offsets { get; }

        public float At(int position, int k) => Values[position * _positionFloats + Offset(k)];

        public void Set(int position, int k, float value) => Values[position * _positionFloats + Offset(k)] = value;

        private int Offset(int k)
        {
            int c = k / _taps, t = k % _taps;
            return (c / 16 * _taps + t) * 16 + c % 16;
        }
    }
}
