using System.Runtime.InteropServices;
using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>
/// One DyVE operator as one registration hands it to ONNX Runtime: the OrtCustomOp struct ORT reads, followed by
/// what the callbacks need to know about it. ORT passes every callback the pointer it was given (its C++ wrapper,
/// Ort::CustomOpBase, casts it back to its own type the same way), so a callback reads which operator it serves
/// and which registration created the kernel from the fields after the struct.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DyveCustomOp
{
    /// <summary>First, so that a pointer to this is a pointer to the OrtCustomOp ORT reads.</summary>
    public OrtCustomOpStruct Op;

    /// <summary>The operator's index in <see cref="CustomOpTable.Operators"/>.</summary>
    public int Operator;

    /// <summary>The <see cref="DyveDomain.Registration"/> whose domain holds this struct.</summary>
    public long Registration;
}
