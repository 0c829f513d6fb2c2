using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// The pieces of <see cref="MapLayout.Blocked"/> tensors: their size, the zero-padded copy a convolution reads, the
/// offsets of its taps there, and storing position-major results into output blocks.
/// </summary>
internal static unsafe class BlockedMaps
{
    /// <summary>Channels per block: one AVX-512 vector, one cache line of floats.</summary>
    public const int Block = 16;

    /// <summary>Blocks that hold <paramref name="channels"/> channels.</summary>
    public static int Blocks(int channels) => (channels + Block - 1) / Block;

    /// <summary>Floats of one image's blocks of <paramref name="channels"/> channels over maps of <paramref name="mapSize"/> positions.</summary>
    public static nint ImageFloats(int channels, nint mapSize) => (nint)Blocks(channels) * Block * mapSize;

    /// <summary>
    /// Padded rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of blocks [<paramref name="first"/>,
    /// <paramref name="first"/> + <paramref name="count"/>) of one blocked image into the padded blocked layout at
    /// <paramref name="destination"/> (the image's first padded block), padding rows and columns zero: the whole copy
    /// (rows 0 to the padded height), or the rows one task reads. With <paramref name="mapFlags"/>, mapFlags[c] gets
    /// <see cref="PaddedTaps.ZeroMap"/> for each of the blocks' channels c &lt; <paramref name="channels"/> that is zero in
    /// every real row copied, else 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyPadded(float* image, in ConvGeometry geometry, int first, int count, int firstRow, int endRow, int channels,
        float* destination, byte* mapFlags)
    {
        int width = geometry.InputWidth * Block;
        nint pitch = (nint)geometry.PaddedWidth * Block;
        nint plane = PaddedTaps.Plane(geometry) * Block;
        nint map = (nint)geometry.InputSize * Block;
        Span<uint> seen = stackalloc uint[Block];
        for (int b = first; b < first + count; b++)
        {
            seen.Clear();
            for (int row = firstRow; row < endRow; row++)
            {
                float* target = destination + b * plane + row * pitch;
                int y = row - geometry.PadTop;
                if (y < 0 || y >= geometry.InputHeight)
                {
                    new Span<float>(target, checked((int)pitch)).Clear();
                    continue;
                }
                new Span<float>(target, geometry.PadLeft * Block).Clear();
                float* source = image + b * map + (nint)y * width;
                if (mapFlags == null) new ReadOnlySpan<float>(source, width).CopyTo(new Span<float>(target + geometry.PadLeft * Block, width));
                else CopySeeing(source, target + geometry.PadLeft * Block, width, seen);
                new Span<float>(target + geometry.PadLeft * Block + width, geometry.PadRight * Block).Clear();
            }
            if (mapFlags != null) WriteFlags(seen, b, channels, mapFlags);
        }
    }

    /// <summary>
    /// Copies <paramref name="floats"/> floats (whole positions of one block) and ORs each lane's bits, signs cleared, into
    /// <paramref name="seen"/>: the zero-map test made while the values pass through registers anyway (as a pass of its
    /// own after the copy it was a third of a 56 x 56 x 64 copy's time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopySeeing(float* source, float* destination, int floats, Span<uint> seen)
    {
        uint* from = (uint*)source, to = (uint*)destination;
        if (Vector512.IsHardwareAccelerated)
        {
            var magnitude = Vector512.Create(0x7FFF_FFFFu);
            Vector512<uint> any = Vector512.Create<uint>(seen);
            for (int i = 0; i < floats; i += Block)
            {
                Vector512<uint> values = Vector512.Load(from + i);
                values.Store(to + i);
                any |= values & magnitude;
            }
            any.CopyTo(seen);
        }
        else
        {
            var magnitude = Vector128.Create(0x7FFF_FFFFu);
            Vector128<uint> any0 = Vector128.Create<uint>(seen), any1 = Vector128.Create<uint>(seen[4..]),
                any2 = Vector128.Create<uint>(seen[8..]), any3 = Vector128.Create<uint>(seen[12..]);
            for (int i = 0; i < floats; i += Block)
            {
                Vector128<uint> v0 = Vector128.Load(from + i), v1 = Vector128.Load(from + i + 4), v2 = Vector128.Load(from + i + 8), v3 = Vector128.Load(from + i + 12);
                v0.Store(to + i);
                v1.Store(to + i + 4);
                v2.Store(to + i + 8);
                v3.Store(to + i + 12);
                any0 |= v0 & magnitude;
                any1 |= v1 & magnitude;
                any2 |= v2 & magnitude;
                any3 |= v3 & magnitude;
            }
            any0.CopyTo(seen);
            any1.CopyTo(seen[4..]);
            any2.CopyTo(seen[8..]);
            any3.CopyTo(seen[12..]);
        }
    }

    /// <summary>
    /// Flags only, for blocks [first, first + count) of one blocked image read in place (an interior run, which needs no
    /// padded copy): mapFlags[c] as <see cref="CopyPadded"/> sets them.
    /// </summary>
    public static void FlagZeroMaps(float* image, nint mapSize, int first, int count, int channels, byte* mapFlags)
    {
        for (int b = first; b < first + count; b++) FlagZeroMaps(image + b * mapSize * Block, mapSize * Block, b, channels, mapFlags);
    }

    /// <summary>mapFlags[c] for the channels of block <paramref name="block"/>: <see cref="PaddedTaps.ZeroMap"/> where every value is +0 or -0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FlagZeroMaps(float* source, nint map, int block, int channels, byte* mapFlags)
    {
        // Each lane's bits ORed over the map, signs cleared: zero only if every value was +0 or -0 (a NaN is not).
        var magnitude = Vector128.Create(0x7FFF_FFFFu);
        Vector128<uint> seen0 = default, seen1 = default, seen2 = default, seen3 = default;
        uint* values = (uint*)source;
        for (nint i = 0; i < map; i += Block)
        {
            seen0 |= Vector128.Load(values + i) & magnitude;
            seen1 |= Vector128.Load(values + i + 4) & magnitude;
            seen2 |= Vector128.Load(values + i + 8) & magnitude;
            seen3 |= Vector128.Load(values + i + 12) & magnitude;
        }
        Span<uint> seen = stackalloc uint[Block];
        seen0.CopyTo(seen);
        seen1.CopyTo(seen[4..]);
        seen2.CopyTo(seen[8..]);
        seen3.CopyTo(seen[12..]);
        WriteFlags(seen, block, channels, mapFlags);
    }

    /// <summary>mapFlags[c] for the real channels of block <paramref name="block"/>: <see cref="PaddedTaps.ZeroMap"/> where no bit but a sign was <paramref name="seen"/>.</summary>
    private static void WriteFlags(ReadOnlySpan<uint> seen, int block, int channels, byte* mapFlags)
    {
        int last = Math.Min(Block, channels - block * Block);
        for (int lane = 0; lane < last; lane++)
            mapFlags[block * Block + lane] = seen[lane] == 0 ? PaddedTaps.ZeroMap : (byte)0;
    }

    /// <summary>
    /// offsets[k] for every tap k = (c, ky, kx) of <paramref name="channels"/> channels in blocked maps whose rows are
    /// <paramref name="pitch"/> positions wide and whose maps hold <paramref name="mapSize"/> positions.
    /// </summary>
    public static void TapOffsets(ConvSpec spec, nint pitch, nint mapSize, int channels, nint* offsets)
    {
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < spec.KernelHeight; ky++)
                for (int kx = 0; kx < spec.KernelWidth; kx++)
                    *offsets++ = c / Block * mapSize * Block + c % Block + (ky * spec.DilationHeight * pitch + kx * spec.DilationWidth) * Block;
    }

    /// <summary>
    /// Output blocks at <paramref name="output"/> (an image's, maps of <paramref name="mapSize"/> positions) get
    /// channels [first, first + channels) of positions [position, position + positions) from position-major rows
    /// <paramref name="valuesLdc"/> apart. Where the channels end the tensor's (<paramref name="totalChannels"/>), the
    /// last block's channels past them are zeroed, so a following convolution reads zeros there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store(float* values, nint valuesLdc, int positions, int first, int channels, int totalChannels,
        float* output, nint mapSize, int position)
    {
        int end = first + channels;
        int padding = end == totalChannels ? Blocks(totalChannels) * Block - end : 0;
        for (int c = first; c < end;)
        {
            int lane = c % Block;
            int length = Math.Min(Block - lane, end - c);
            float* from = values + (c - first);
            float* to = output + (c / Block * mapSize + position) * Block + lane;
            for (int i = 0; i < positions; i++)
            {
                ShortSpans.Copy(from + i * valuesLdc, to + i * Block, length);
                if (padding > 0 && c + length == end) ShortSpans.Fill(to + i * Block + length, padding);
            }
            c += length;
        }
    }
}
