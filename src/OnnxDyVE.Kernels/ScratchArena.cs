using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels;

/// <summary>
/// Per-thread working memory for packed operands. A kernel instance serves concurrent runs, so working
/// memory cannot live in the kernel; each pool thread keeps one 64-byte aligned buffer that grows to the
/// largest request it has seen and is then reused with no allocation.
/// </summary>
internal sealed unsafe class ScratchArena
{
    [ThreadStatic]
    private static ScratchArena? s_current;

    private float* _buffer;
    private nint _capacity;

    /// <summary>A buffer of at least <paramref name="floats"/> floats, valid until the next call on this thread.</summary>
    public static float* Rent(nint floats)
    {
        ScratchArena arena = s_current ??= new ScratchArena();
        if (arena._capacity < floats) arena.Grow(floats);
        return arena._buffer;
    }

    private void Grow(nint floats)
    {
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
        _capacity = 0;
        _buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        _capacity = floats;
    }

    ~ScratchArena() => NativeMemory.AlignedFree(_buffer);
}
