namespace OnnxDyVE.Operators;

/// <summary>Int attributes that switch something on or off: 0 or 1, anything else an error naming the attribute.</summary>
internal static class AttributeFlags
{
    public static bool Read(long? value, bool absent, string name) => value switch
    {
        null => absent,
        0 => false,
        1 => true,
        _ => throw new ArgumentException($"attribute '{name}' must be 0 or 1, got {value}"),
    };
}
