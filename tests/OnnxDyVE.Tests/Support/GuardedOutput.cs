namespace OnnxDyVE.Tests.Support;

/// <summary>
/// Output memory for a kernel under test: NaN inside, so an element no task writes fails the comparison, and
/// a sentinel in the floats either side, so a ragged tile that stores past either end is caught.
/// Pin it with <c>fixed (float* y = output)</c>: that yields the first output element.
/// </summary>
internal sealed class GuardedOutput
{
    /// <summary>A whole widest tile row (32 floats) and more on either side.</summary>
    private const int GuardFloats = 64;
    private const float Sentinel = -12345.5f;

    private readonly float[] _storage;

    public GuardedOutput(int length)
    {
        Length = length;
        _storage = new float[length + 2 * GuardFloats];
        _storage.AsSpan().Fill(Sentinel);
        Values.Fill(float.NaN);
    }

    public int Length { get; }

    public Span<float> Values => _storage.AsSpan(GuardFloats, Length);

    public ref float GetPinnableReference() => ref _storage[GuardFloats];

    public void AssertGuardsIntact(string context)
    {
        int before = _storage.AsSpan(0, GuardFloats).IndexOfAnyExcept(Sentinel);
        Assert.True(before < 0, $"{context}: the kernel wrote {GuardFloats - before} floats before the output");
        int after = _storage.AsSpan(GuardFloats + Length).IndexOfAnyExcept(Sentinel);
        Assert.True(after < 0, $"{context}: the kernel wrote past the end of the output (at +{after})");
    }
}
