using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>The optional effort input of a DyVE operator (<see cref="OnnxDyVE.Schema.DyveSchema.EffortInput"/>), read at every run.</summary>
internal static unsafe class RunEffort
{
    /// <summary>
    /// The run's effort: 0 when input <paramref name="input"/> is absent, else its one float32 value, which must lie in
    /// [0, 1]. <paramref name="shape"/> is scratch space.
    /// </summary>
    public static float Read(KernelContext context, int input, Span<long> shape)
    {
        int rank = context.Input(input, shape, out OrtElementType type, out void* data);
        if (rank == -1) return 0;
        if (type != OrtElementType.Float)
            throw new ArgumentException($"input effort has element type {type}; effort is a float32 scalar in [0, 1]");
        if (!(rank == 0 || (rank == 1 && shape[0] == 1)))
            throw new ArgumentException(
                $"input effort has shape [{TensorChecks.DescribeShape(rank, shape)}]; effort is one float32 value (shape [] or [1])");
        float effort = *(float*)data;
        if (!(effort >= 0 && effort <= 1)) throw new ArgumentException($"input effort is {effort}; it must be in [0, 1]");
        return effort;
    }
}
