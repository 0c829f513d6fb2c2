using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Kernels.Gemm;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>
/// Which of a task's tiles are border rows of outputs (whose kernel reaches into the padding above or below), the kernel
/// rows they keep, and their runs of K cut pass by pass.
/// </summary>
public sealed unsafe class BorderRowsTests
{
    private static readonly ConvSpec ThreeByThree = new(64, 4, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);

    private static (int Start, int Count)[] Groups(BorderRows rows) =>
        Enumerable.Range(0, rows.Groups).Select(g => (rows.Start(g), rows.Count(g))).ToArray();

    [Fact]
    public void The_first_task_of_a_map_keeps_whole_tiles_of_its_first_row_apart()
    {
        ConvGeometry geometry = ThreeByThree.Geometry(14, 14);
        BorderRows rows = BorderRows.Find(ThreeByThree, geometry, 0, 98);
        // Row 0's 14 positions: two whole tiles; its last two positions stay with row 1's tiles.
        Assert.Equal([(0, 12)], Groups(rows));
        Assert.Equal((12, 98), (rows.MiddleStart, rows.MiddleEnd));
        Assert.Equal((1, 3), BorderRows.KernelRows(ThreeByThree, geometry, 0));
        Assert.Equal((0, 3), BorderRows.KernelRows(ThreeByThree, geometry, 1));
        Assert.Equal((0, 2), BorderRows.KernelRows(ThreeByThree, geometry, 13));
    }

    [Fact]
    public void The_last_task_keeps_whole_tiles_of_the_last_row_from_its_end()
    {
        BorderRows rows = BorderRows.Find(ThreeByThree, ThreeByThree.Geometry(14, 14), 98, 98);
        Assert.Equal([(86, 12)], Groups(rows));
        Assert.Equal((0, 86), (rows.MiddleStart, rows.MiddleEnd));
    }

    [Fact]
    public void A_one_row_map_keeps_only_the_middle_kernel_row()
    {
        ConvGeometry geometry = ThreeByThree.Geometry(1, 20);
        Assert.Equal((1, 2), BorderRows.KernelRows(ThreeByThree, geometry, 0));
        BorderRows rows = BorderRows.Find(ThreeByThree, geometry, 0, 20);
        Assert.Equal([(0, 18)], Groups(rows));
        Assert.Equal((18, 20), (rows.MiddleStart, rows.MiddleEnd));
    }

    [Fact]
    public void A_map_without_padding_above_or_below_has_no_border_rows()
    {
        ConvSpec sides = ThreeByThree with { PadTop = 0, PadBottom = 0 };
        BorderRows rows = BorderRows.Find(sides, sides.Geometry(14, 14), 0, 168);
        Assert.Equal(0, rows.Groups);
        Assert.Equal((0, 168), (rows.MiddleStart, rows.MiddleEnd));
    }

    [Fact]
    public void Border_runs_are_cut_at_every_pass_of_the_task()
    {
        // Four channels of nine taps in passes of 18 (two channels each); the first row keeps taps 3-8 of each channel.
        BorderRows rows = BorderRows.Find(ThreeByThree, ThreeByThree.Geometry(14, 14), 0, 98);
        KSegments segments = KSegments.All(36, 18);
        int* room = stackalloc int[BorderRows.Ints(4, segments.Count)];
        rows.CutRuns(segments, 4, 9, room);
        KSegments runs = rows.Runs(0);
        Assert.Equal([(3, 6), (12, 6), (21, 6), (30, 6)], Enumerable.Range(0, runs.Count).Select(i => (runs.Start(i), runs.Length(i))));
        Assert.Equal([0, 2, 4], Enumerable.Range(0, 3).Select(pass => rows.PassStart(0, pass)));
    }
}
