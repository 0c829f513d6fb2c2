using OnnxDyVE.Kernels.Gemm;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// The runs of K a convolution task multiplies around zero maps, and the passes they are grouped into (runs whose
/// lengths add up to at most a block, which a tile multiplies with its sums in registers).
/// </summary>
public sealed unsafe class KSegmentsTests
{
    private static (int Start, int Length)[] Runs(KSegments segments) =>
        Enumerable.Range(0, segments.Count).Select(i => (segments.Start(i), segments.Length(i))).ToArray();

    private static int[] PassStarts(KSegments segments)
    {
        var starts = new List<int>();
        for (int run = 0; run < segments.Count; run = segments.PassEnd(run)) starts.Add(run);
        return [.. starts];
    }

    [Fact]
    public void Zero_maps_split_K_into_runs_that_one_pass_takes_together()
    {
        // Channels 2, 6 and 7 are zero: a 3x3 kernel's taps of channels 0-1, 3-5 and 8 are live.
        byte[] zeroMaps = [0, 0, 1, 0, 0, 0, 1, 1, 0];
        int* bounds = stackalloc int[2 * (zeroMaps.Length + 2)];
        fixed (byte* flags = zeroMaps)
        {
            KSegments segments = KSegments.LiveChannels(flags, zeroMaps.Length, 9, bounds, minimumGap: 9);
            Assert.Equal([(0, 18), (27, 27), (72, 9)], Runs(segments));
            Assert.Equal(54, segments.TotalLength);
            Assert.Equal([0], PassStarts(segments));
        }
    }

    [Fact]
    public void Long_runs_are_cut_into_blocks_and_a_pass_never_exceeds_one()
    {
        // 40 live channels of 9 taps (360), then a zero map, then 2 live: blocks of 128 and a pass per block's worth.
        byte[] zeroMaps = [.. Enumerable.Repeat((byte)0, 40), 1, 0, 0];
        int* bounds = stackalloc int[2 * (zeroMaps.Length + 360 / PanelLayout.KBlock + 2)];
        fixed (byte* flags = zeroMaps)
        {
            KSegments segments = KSegments.LiveChannels(flags, zeroMaps.Length, 9, bounds, minimumGap: 9);
            Assert.Equal([(0, 128), (128, 128), (256, 104), (369, 18)], Runs(segments));
            // 104 + 18 fit one block: the last two runs are one pass.
            Assert.Equal([0, 1, 2], PassStarts(segments));
        }
        // One more live channel and they do not (104 + 27 > 128).
        byte[] longer = [.. zeroMaps, 0];
        fixed (byte* flags = longer)
            Assert.Equal([0, 1, 2, 3], PassStarts(KSegments.LiveChannels(flags, longer.Length, 9, bounds, minimumGap: 9)));
    }

    [Fact]
    public void A_task_that_takes_K_whole_takes_every_run_in_one_pass()
    {
        byte[] zeroMaps = [.. Enumerable.Repeat((byte)0, 40), 1, 0, 0, 0];
        int* bounds = stackalloc int[2 * (zeroMaps.Length + 2)];
        fixed (byte* flags = zeroMaps)
        {
            KSegments segments = KSegments.LiveChannels(flags, zeroMaps.Length, 9, bounds, minimumGap: 9, block: 396);
            Assert.Equal([(0, 360), (369, 27)], Runs(segments));
            Assert.Equal([0], PassStarts(segments));
        }
    }

    [Fact]
    public void Blocks_of_all_of_K_are_a_pass_each()
    {
        KSegments segments = KSegments.All(300, 100);
        Assert.Equal([(0, 100), (100, 100), (200, 100)], Runs(segments));
        Assert.Equal([0, 1, 2], PassStarts(segments));
    }

    [Fact]
    public void Short_gaps_stay_in_K_and_all_zero_maps_leave_one_empty_run()
    {
        byte[] gaps = [0, 1, 0, 1, 1, 0];
        byte[] allZero = [1, 1, 1];
        int* bounds = stackalloc int[2 * (gaps.Length + 2)];
        fixed (byte* flags = gaps)
            // A 1x1 kernel: gaps of one and two maps are shorter than nine taps, so all six channels are multiplied.
            Assert.Equal([(0, 6)], Runs(KSegments.LiveChannels(flags, gaps.Length, 1, bounds, minimumGap: 9)));
        fixed (byte* flags = allZero)
        {
            KSegments segments = KSegments.LiveChannels(flags, allZero.Length, 9, bounds, minimumGap: 9);
            Assert.Equal([(0, 0)], Runs(segments));
            Assert.Equal([0], PassStarts(segments));
        }
    }

    [Fact]
    public void Blocks_shorter_than_the_K_block_are_refused()
    {
        byte[] zeroMaps = [0, 0];
        int[] bounds = new int[8];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            fixed (byte* flags = zeroMaps)
            fixed (int* b = bounds)
                KSegments.LiveChannels(flags, zeroMaps.Length, 9, b, block: PanelLayout.KBlock - 1);
        });
        Assert.Contains("at least", error.Message);
    }
}
