using OnnxDyVE.Kernels;

namespace OnnxDyVE.Tests.Kernels;

/// <summary>Packed weights' storage: 64-byte aligned whatever address its pinned array got.</summary>
public sealed unsafe class AlignedFloatsTests
{
    [Fact]
    public void Every_buffer_starts_on_a_cache_line_and_holds_its_length()
    {
        // Many sizes, so the arrays behind them start at many different addresses.
        var buffers = new List<AlignedFloats>();
        for (int length = 0; length < 200; length++) buffers.Add(new AlignedFloats(length));
        foreach (AlignedFloats buffer in buffers)
        {
            Assert.Equal(0, (nint)buffer.Pointer % 64);
            Assert.Equal(buffer.Length, buffer.Span.Length);
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0, "a new buffer is zeroed");
        }
        // Writing a buffer whole stays inside its storage and is read back through the pointer.
        AlignedFloats last = buffers[^1];
        for (int i = 0; i < last.Length; i++) last.Span[i] = i;
        GC.Collect();
        for (int i = 0; i < last.Length; i++) Assert.Equal(i, last.Pointer[i]);
    }

    [Fact]
    public void A_negative_length_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloats(-1));
    }
}
