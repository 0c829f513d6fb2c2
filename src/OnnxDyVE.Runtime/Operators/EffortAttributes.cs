using OnnxDyVE.Interop;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>
/// The dynamic-effort attributes as any DyVE operator reads them (thresholds, the scales they are measured in, SPET's
/// prefix): a bad value is an <see cref="ArgumentException"/> naming the attribute.
/// </summary>
internal static class EffortAttributes
{
    /// <summary>
    /// A threshold or strength (<c>sdss_delta</c>, <c>spet_delta</c>, <c>sfma_delta</c>): finite and not negative,
    /// default 0 (its mechanism off, or exact SPET only).
    /// </summary>
    public static float Threshold(IAttributeSource attributes, string name)
    {
        float delta = attributes.GetFloat(name) ?? 0f;
        if (!float.IsFinite(delta) || delta < 0)
            throw new ArgumentException($"attribute '{name}' must be a finite number not below 0, got {delta}");
        return delta;
    }

    /// <summary>A scale thresholds are measured in (<c>activation_scale</c>, <c>input_scale</c>): finite and positive, default 1.</summary>
    public static float Scale(IAttributeSource attributes, string name)
    {
        float scale = attributes.GetFloat(name) ?? 1f;
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentException($"attribute '{name}' must be a finite number above 0, got {scale}");
        return scale;
    }

    /// <summary><c>spet_prefix</c>: in [0, 1), default 0 (SPET off).</summary>
    public static float SpetPrefix(IAttributeSource attributes)
    {
        float prefix = attributes.GetFloat(DyveSchema.SpetPrefix) ?? 0f;
        if (!(prefix >= 0 && prefix < 1))
            throw new ArgumentException($"attribute '{DyveSchema.SpetPrefix}' must be in [0, 1), got {prefix}");
        return prefix;
    }
}
