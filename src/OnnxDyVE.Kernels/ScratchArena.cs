using System.Runtime.InteropServices;

namespace OnnxDyVE.Kernels;

/// <summary>
/// Per-thread working memory for packed operands. A kernel instance serves concurrent runs, so working
/// memory cannot live in the kernel; each thread keeps 64-byte aligned buffers that grow to the largest
/// request seen and are then reused with no allocation. Two of them: one a task packs into, and one a
/// run's calling thread shares with the tasks of that run (the caller runs tasks of its own run too, so
/// the two must differ).
/// </summary>
internal sealed unsafe class ScratchArena
{
    [ThreadStatic]
    private static ScratchArena? s_current;

    [ThreadStatic]
    private static ScratchArena? s_shared;

    private float* _buffer;
    private nint _capacity;

    /// <summary>A buffer of at least <paramref name="floats"/> floats, valid until the next call on this thread.</summary>
    public static float* Rent(nint floats) => Rent(ref s_current, floats);

    [ThreadStatic]
    private static ScratchArena? s_segments;

    /// <summary>Room for <paramref name="segments"/> (start, length) pairs of K, valid until the next call on this thread.</summary>
    public static int* RentSegments(int segments) => (int*)Rent(ref s_segments, 2 * (nint)segments);

    [ThreadStatic]
    private static ScratchArena? s_taps;

    /// <summary>Room for <paramref name="ints"/> ints of tiles' own taps (<see cref="Gemm.LiveTaps"/>), valid until the next call on this thread.</summary>
    public static int* RentTaps(nint ints) => (int*)Rent(ref s_taps, ints);

    /// <summary>A buffer for a whole run, which the run's tasks on other threads read; valid until the next call on this thread.</summary>
    public static float* RentShared(nint floats) => Rent(ref s_shared, floats);

    private static float* Rent(ref ScratchArena? slot, nint floats)
    {
        ScratchArena arena = slot ??= new ScratchArena();
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
