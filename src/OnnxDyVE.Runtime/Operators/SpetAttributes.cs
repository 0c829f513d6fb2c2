using OnnxDyVE.Interop;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>
/// The attributes of SPET (<see cref="DyveSchema.SpetPrefix"/>, <see cref="DyveSchema.SpetDelta"/>) and the activation scale
/// its margin is measured in, as any DyVE operator reads them: a bad value is an <see cref="ArgumentException"/> naming the
/// attribute.
/// </summary>
internal static class SpetAttributes
{
    /// <summary><c>spet_prefix</c>: in [0, 1), default 0 (SPET off).</summary>
    public static float Prefix(IAttributeSource attributes)
    {
        float prefix = attributes.GetFloat(DyveSchema.SpetPrefix) ?? 0f;
        if (!(prefix >= 0 && prefix < 1))
            throw new ArgumentException($"attribute '{DyveSchema.SpetPrefix}' must be in [0, 1), got {prefix}");
        return prefix;
    }

    /// <summary><c>spet_delta</c>: finite and not negative, default 0 (exact SPET only).</summary>
    public static float Delta(IAttributeSource attributes)
    {
        float delta = attributes.GetFloat(DyveSchema.SpetDelta) ?? 0f;
        if (!float.IsFinite(delta) || delta < 0)
            throw new ArgumentException($"attribute '{DyveSchema.SpetDelta}' must be a finite number not below 0, got {delta}");
        return delta;
    }

    /// <summary><c>activation_scale</c>: finite and positive, default 1.</summary>
    public static float ActivationScale(IAttributeSource attributes)
    {
        float scale = attributes.GetFloat(DyveSchema.ActivationScale) ?? 1f;
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentException($"attribute '{DyveSchema.ActivationScale}' must be a finite number above 0, got {scale}");
        return scale;
    }
}
