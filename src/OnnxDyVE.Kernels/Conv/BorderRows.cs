using OnnxDyVE.Kernels.Gemm;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// A task's border rows of outputs: whole tiles of the output rows whose kernel reaches into the padding above or below
/// the input, which leave those kernel rows out (as MLAS's NCHWc kernels do). Their runs of K are the task's runs cut
/// to each channel's kernel rows inside the input, pass by pass, so that border tiles multiply in the same passes as the
/// others and each pass's weights are read once for all the task's tiles (separate passes for them read ResNet18's
/// 7 x 7 stage's weights three times, and ran 5% slower than multiplying the padding).
/// </summary>
internal unsafe struct BorderRows
{
    /// <summary>Border groups a task keeps at most: two output rows above and two below (a 5 x 5 kernel's).</summary>
    public const int MaximumGroups = 4;

    private fixed int _start[MaximumGroups];
    private fixed int _count[MaximumGroups];
    private fixed int _firstTap[MaximumGroups];
    private fixed int _endTap[MaximumGroups];
    private int* _runs;
    private int* _passStarts;
    private int _runCapacity;
    private int _passCount;

    /// <summary>Border groups found.</summary>
    public int Groups { get; private set; }

    /// <summary>The task's positions [MiddleStart, MiddleEnd) multiply every tap.</summary>
    public int MiddleStart { get; private set; }

    public int MiddleEnd { get; private set; }

    public int Start(int group) => _start[group];

    public int Count(int group) => _count[group];

    /// <summary>
    /// The border groups of a task's positions [<paramref name="first"/>, first + <paramref name="count"/>) (row-major
    /// over the output): whole tiles of each border row, from the task's start for the rows above and from its end for
    /// those below. A border row's last few positions join the tiles next to them, which then multiply both rows' kernel
    /// rows.
    /// </summary>
    public static BorderRows Find(ConvSpec spec, in ConvGeometry geometry, int first, int count)
    {
        const int rows = PanelLayout.Rows;
        var borders = new BorderRows { MiddleStart = 0, MiddleEnd = count };
        int width = geometry.OutputWidth, full = spec.KernelHeight;
        int start = 0, end = count;
        (int lo, int hi) = (full, 0);
        for (int row = first / width; end - start >= rows && borders.Groups < MaximumGroups / 2; row++)
        {
            (int rowLo, int rowHi) = KernelRows(spec, geometry, row);
            (lo, hi) = (Math.Min(lo, rowLo), Math.Max(hi, rowHi));
            if (lo == 0 && hi == full) break;
            int rowEnd = Math.Min(end, (row + 1) * width - first);
            int whole = (rowEnd - start) / rows * rows;
            if (whole == 0) continue;
            borders.Add(start, whole, lo * spec.KernelWidth, hi * spec.KernelWidth);
            start += whole;
            (lo, hi) = start < rowEnd ? (rowLo, rowHi) : (full, 0);
        }
        (lo, hi) = (full, 0);
        for (int row = (first + count - 1) / width; end - start >= rows && borders.Groups < MaximumGroups; row--)
        {
            (int rowLo, int rowHi) = KernelRows(spec, geometry, row);
            (lo, hi) = (Math.Min(lo, rowLo), Math.Max(hi, rowHi));
            if (lo == 0 && hi == full) break;
            int rowStart = Math.Max(start, row * width - first);
            int whole = (end - rowStart) / rows * rows;
            if (whole == 0) continue;
            borders.Add(end - whole, whole, lo * spec.KernelWidth, hi * spec.KernelWidth);
            end -= whole;
            (lo, hi) = end > rowStart ? (rowLo, rowHi) : (full, 0);
        }
        (borders.MiddleStart, borders.MiddleEnd) = (start, end);
        return borders;
    }

    /// <summary>The kernel rows [First, End) whose taps stay inside the input for output row <paramref name="outputRow"/>.</summary>
    public static (int First, int End) KernelRows(ConvSpec spec, in ConvGeometry geometry, int outputRow)
    {
        int above = geometry.PadTop - outputRow * spec.StrideHeight;
        int first = above <= 0 ? 0 : (above + spec.DilationHeight - 1) / spec.DilationHeight;
        int below = geometry.InputHeight - 1 + above;
        int end = below < 0 ? 0 : Math.Min(spec.KernelHeight, below / spec.DilationHeight + 1);
        return (first, Math.Max(first, end));
    }

    /// <summary>Ints of room <see cref="CutRuns"/> needs for runs of K in at most <paramref name="runs"/> pieces over <paramref name="channels"/> channels.</summary>
    public static int Ints(int channels, int runs) => MaximumGroups * (2 * (channels + runs + 2) + runs + 1);

    /// <summary>
    /// Each group's runs of K: <paramref name="segments"/>' runs (the task's, in passes of <see cref="KSegments.PassEnd"/>)
    /// cut to each channel's taps of the group's kernel rows (<paramref name="taps"/> per channel, channel-major), with
    /// where each pass's runs start; into <paramref name="room"/> (<see cref="Ints"/>).
    /// </summary>
    public void CutRuns(in KSegments segments, int channels, int taps, int* room)
    {
        _runCapacity = channels + segments.Count + 2;
        _runs = room;
        _passStarts = room + MaximumGroups * 2 * _runCapacity;
        _passCount = 0;
        for (int segment = 0; segment < segments.Count; segment = segments.PassEnd(segment)) _passCount++;
        for (int group = 0; group < Groups; group++)
        {
            int* runs = _runs + group * 2 * _runCapacity;
            int* passStarts = _passStarts + group * (_passCount + 1);
            int count = 0, pass = 0;
            for (int segment = 0; segment < segments.Count; pass++)
            {
                passStarts[pass] = count;
                int end = segments.PassEnd(segment);
                for (; segment < end; segment++)
                {
                    int from = segments.Start(segment), to = from + segments.Length(segment);
                    for (int c = from / taps; c * taps < to; c++)
                    {
                        int pieceFrom = Math.Max(from, c * taps + _firstTap[group]), pieceTo = Math.Min(to, c * taps + _endTap[group]);
                        if (pieceTo <= pieceFrom) continue;
                        if (count > passStarts[pass] && runs[2 * count - 2] + runs[2 * count - 1] == pieceFrom)
                            runs[2 * count - 1] += pieceTo - pieceFrom;
                        else
                        {
                            runs[2 * count] = pieceFrom;
                            runs[2 * count + 1] = pieceTo - pieceFrom;
                            count++;
                        }
                    }
                }
            }
            passStarts[pass] = count;
        }
    }

    /// <summary>Group <paramref name="group"/>'s runs (after <see cref="CutRuns"/>).</summary>
    public KSegments Runs(int group) => KSegments.Listed(_runs + group * 2 * _runCapacity, _passStarts[group * (_passCount + 1) + _passCount]);

    /// <summary>The first of group <paramref name="group"/>'s runs in pass <paramref name="pass"/> (pass <see cref="_passCount"/>: one past its last).</summary>
    public int PassStart(int group, int pass) => _passStarts[group * (_passCount + 1) + pass];

    private void Add(int start, int count, int firstTap, int endTap)
    {
        _start[Groups] = start;
        _count[Groups] = count;
        _firstTap[Groups] = firstTap;
        _endTap[Groups] = endTap;
        Groups++;
    }
}
