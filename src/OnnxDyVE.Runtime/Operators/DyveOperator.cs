using OnnxDyVE.Interop;
using OnnxDyVE.Kernels;

namespace OnnxDyVE.Operators;

/// <summary>
/// One DyVE operator's schema and factory, as ONNX Runtime asks for them through the OrtCustomOp table.
/// The single output is a float32 tensor, and so is every input unless <see cref="InputType"/> says otherwise.
/// </summary>
internal abstract class DyveOperator
{
    /// <summary>The op_type in the model (domain <see cref="DyveDomain.Name"/>).</summary>
    public abstract string Name { get; }
    public abstract int InputCount { get; }
    public abstract bool IsOptional(int input);

    /// <summary>
    /// The element type ORT must check input <paramref name="input"/> against when the session is created;
    /// <see cref="OrtElementType.Undefined"/> lets any type through, for a kernel that checks it at run time
    /// itself and can then say which input is wrong and why.
    /// </summary>
    public virtual OrtElementType InputType(int input) => OrtElementType.Float;

    /// <summary>Reads the node's attributes and constant inputs and prepares its kernel.</summary>
    public abstract IDyveKernel CreateKernel(KernelInfo info);

    /// <summary>Sets the output's type and shape from the inputs' (unknown dimensions stay -1).</summary>
    public abstract void InferShape(ShapeInference context);
}

/// <summary>A prepared kernel: immutable after creation, so one instance serves concurrent runs.</summary>
internal interface IDyveKernel
{
    /// <summary>The node's name, for error messages and statistics.</summary>
    string NodeName { get; }

    /// <summary>The node's op type.</summary>
    string OpName { get; }

    /// <summary>Work done since creation.</summary>
    KernelCounters Counters { get; }

    /// <summary>
    /// The GCHandle (as IntPtr) that ORT holds for this kernel, set once at creation; tasks on ORT's pool
    /// find the kernel through it.
    /// </summary>
    nint Handle { get; set; }

    void Compute(KernelContext context);
}
