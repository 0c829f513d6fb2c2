namespace OnnxDyVE.Kernels.Gemm;

/// <summary>
/// The runs of K a task multiplies, in order, each at most a block long: all of K in blocks, or only the taps of input
/// channels that are not zero everywhere. Never empty (but <see cref="Listed"/>): with nothing left to multiply there is
/// one run of length 0, which still writes the bias and activation. Consecutive runs of at most a block together make a pass
/// (<see cref="PassEnd"/>): a tile that can step over gaps keeps its sums in registers through a pass, and stores
/// them only between passes.
/// </summary>
internal readonly unsafe struct KSegments
{
    private readonly int* _bounds;
    private readonly int _all;
    private readonly int _block;

    private KSegments(int* bounds, int count, int all, int block)
    {
        _bounds = bounds;
        Count = count;
        _all = all;
        _block = block;
    }

    public int Count { get; }

    /// <summary>
    /// The run after the last of the pass that starts at run <paramref name="first"/>: the runs that follow it while
    /// their lengths add up to at most a block (blocks of all of K are a pass each).
    /// </summary>
    public int PassEnd(int first)
    {
        if (_bounds == null) return first + 1;
        int end = first + 1;
        for (int length = Length(first); end < Count && length + Length(end) <= _block; end++) length += Length(end);
        return end;
    }

    /// <summary>K the runs cover together.</summary>
    public int TotalLength => _bounds == null ? _all : Sum();

    public int Start(int segment) => _bounds == null ? segment * _block : _bounds[2 * segment];

    public int Length(int segment) => _bounds == null
        ? Math.Min(_block, _all - segment * _block)
        : _bounds[2 * segment + 1];

    /// <summary>All of K, in blocks.</summary>
    public static KSegments All(int k, int block = PanelLayout.KBlock) => new(null, Math.Max(1, PanelLayout.CeilDiv(k, block)), k, block);

    /// <summary>
    /// The taps (<paramref name="taps"/> per channel, channel-major) of the channels whose zeroMaps entry is 0, cut into
    /// blocks of at most <paramref name="block"/> (at least <see cref="PanelLayout.KBlock"/>); <paramref name="bounds"/>
    /// has room for 2 x (channels + K / KBlock + 2) ints. Stretches of zero maps shorter than <paramref name="minimumGap"/>
    /// taps are multiplied through rather than left out (their zeros add exactly 0 to finite weights): where a run of K
    /// costs a pass over the outputs, a gap of one map in a 1x1 convolution saves one k and costs a run.
    /// </summary>
    public static KSegments LiveChannels(byte* zeroMaps, int channels, int taps, int* bounds, int minimumGap = 0, int block = PanelLayout.KBlock)
    {
        if (block < PanelLayout.KBlock) throw new ArgumentOutOfRangeException(nameof(block), block, $"runs are cut into blocks of at least {PanelLayout.KBlock}");
        int count = 0;
        int c = 0;
        while (c < channels)
        {
            if (zeroMaps[c] != 0)
            {
                c++;
                continue;
            }
            int first = c, end = c;
            while (c < channels)
            {
                if (zeroMaps[c] == 0)
                {
                    end = ++c;
                    continue;
                }
                int zeros = c;
                while (zeros < channels && zeroMaps[zeros] != 0) zeros++;
                bool skip = (zeros - c) * taps >= minimumGap || zeros == channels;
                c = zeros;
                if (skip) break;
            }
            // A run of live channels (and short gaps), in blocks of K.
            for (int k = first * taps; k < end * taps; k += block)
            {
                bounds[2 * count] = k;
                bounds[2 * count + 1] = Math.Min(block, end * taps - k);
                count++;
            }
        }
        if (count == 0)
        {
            bounds[0] = 0;
            bounds[1] = 0;
            count = 1;
        }
        return new KSegments(bounds, count, 0, block);
    }

    /// <summary>
    /// Runs listed in <paramref name="bounds"/> ((start, length) pairs), possibly none: for tiles that take ranges of them
    /// pass by pass (<see cref="Conv.BorderRows"/>), which never ask them for passes of their own.
    /// </summary>
    public static KSegments Listed(int* bounds, int count) => new(bounds, count, 0, int.MaxValue);

    private int Sum()
    {
        int sum = 0;
        for (int i = 0; i < Count; i++) sum += _bounds[2 * i + 1];
        return sum;
    }
}
