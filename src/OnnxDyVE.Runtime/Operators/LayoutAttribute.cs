using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Operators;

/// <summary>A DyVE node's <see cref="DyveSchema.InputLayout"/> or <see cref="DyveSchema.OutputLayout"/> attribute as a <see cref="MapLayout"/>, and back.</summary>
internal static class LayoutAttribute
{
    /// <summary>Attribute <paramref name="name"/>: planar when absent; throws <see cref="ArgumentException"/> naming any other value.</summary>
    public static MapLayout Read(IAttributeSource attributes, string name) => attributes.GetString(name) switch
    {
        null or DyveSchema.Layouts.Planar => MapLayout.Planar,
        DyveSchema.Layouts.Blocked => MapLayout.Blocked,
        string other => throw new ArgumentException($"attribute '{name}' is '{other}'; expected {DyveSchema.Layouts.Planar} or {DyveSchema.Layouts.Blocked}"),
    };

    /// <summary>The attribute's value for <paramref name="layout"/>.</summary>
    public static string Name(MapLayout layout) => layout == MapLayout.Blocked ? DyveSchema.Layouts.Blocked : DyveSchema.Layouts.Planar;
}
