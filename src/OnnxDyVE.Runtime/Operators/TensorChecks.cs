using OnnxDyVE.Interop;
using OnnxDyVE.Kernels.Conv;

namespace OnnxDyVE.Operators;

/// <summary>Run-time checks on input tensors, with messages that name the input.</summary>
internal static class TensorChecks
{
    public static void RequireFloat(OrtElementType type, string input)
    {
        if (type != OrtElementType.Float) throw new ArgumentException($"input {input} has element type {type}; DyVE operators take float32");
    }

    /// <summary>
    /// Input 0, X: float maps in <paramref name="layout"/> of <paramref name="channels"/> channels, their data at
    /// <paramref name="x"/>; an absent or over-ranked X is refused with what the operator <paramref name="takes"/>.
    /// </summary>
    public static unsafe MapShape Maps(KernelContext context, Span<long> shape, MapLayout layout, int channels, string takes, out void* x)
    {
        int rank = context.Input(0, shape, out OrtElementType type, out x);
        RequireFloat(type, "X");
        if (rank < 0) throw new ArgumentException($"input X has rank {Describe(rank)}; {takes}");
        return MapShape.Read(shape[..rank], layout, channels, "X");
    }

    /// <summary>A dimension as an int, refusing zero-sized and absurd dimensions.</summary>
    public static int Dimension(long value, string input, int axis) =>
        value is > 0 and <= int.MaxValue / 4 ? (int)value : throw new ArgumentException($"input {input} has dimension {axis} of {value}");

    /// <summary>A run-time input's dimensions as read into <paramref name="shape"/>, or what its rank says went wrong.</summary>
    public static string DescribeShape(int rank, ReadOnlySpan<long> shape) => rank < 0 ? Describe(rank) : string.Join(", ", shape[..rank].ToArray());

    public static string Describe(int rank) => rank switch
    {
        -1 => "none (absent)",
        -2 => $"over {KernelContext.MaxRank}",
        _ => rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
