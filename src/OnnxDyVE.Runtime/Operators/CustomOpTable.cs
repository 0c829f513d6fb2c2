using System.Runtime.InteropServices;
using OnnxDyVE.Interop;

namespace OnnxDyVE.Operators;

/// <summary>
/// The native OrtCustomOp structs of the DyVE operators and the callbacks they point to. Each registration gets
/// structs of its own (<see cref="DyveCustomOp"/>), which tell its kernels apart from other registrations'. The
/// structs and their name strings live in native memory for the life of the process, since every session that
/// uses them may outlive any managed owner. Every callback catches everything: an exception that escaped into
/// ONNX Runtime would end the host process.
/// </summary>
internal static unsafe class CustomOpTable
{
    private static readonly DyveOperator[] s_operators = [new ConvOperator(), new GemmOperator(), new MaxPoolOperator(), new AveragePoolOperator(), new LrnOperator()];
    private static readonly byte** s_names = NativeNames();
    private static OrtFunctions? s_ort;

    public static IReadOnlyList<DyveOperator> Operators => s_operators;

    /// <summary>
    /// New structs for the operators, in <see cref="Operators"/> order (their registration is set by
    /// <see cref="DyveDomain.Rent"/>). The callbacks are bound to the first <paramref name="ort"/> given, for
    /// good: a process has one ONNX Runtime.
    /// </summary>
    public static DyveCustomOp* Build(OrtFunctions ort)
    {
        Interlocked.CompareExchange(ref s_ort, ort, null);
        var structs = (DyveCustomOp*)NativeMemory.AllocZeroed((nuint)(s_operators.Length * sizeof(DyveCustomOp)));
        for (int i = 0; i < s_operators.Length; i++)
        {
            structs[i].Operator = i;
            OrtCustomOpStruct* op = &structs[i].Op;
            op->Version = OrtCustomOpSlots.Version;
            op->GetName = (delegate* unmanaged<OrtCustomOpStruct*, byte*>)&GetName;
            op->GetExecutionProviderType = (delegate* unmanaged<OrtCustomOpStruct*, byte*>)&GetExecutionProviderType;
            op->GetInputType = (delegate* unmanaged<OrtCustomOpStruct*, nuint, int>)&GetInputType;
            op->GetInputTypeCount = (delegate* unmanaged<OrtCustomOpStruct*, nuint>)&GetInputTypeCount;
            op->GetOutputType = (delegate* unmanaged<OrtCustomOpStruct*, nuint, int>)&GetOutputType;
            op->GetOutputTypeCount = (delegate* unmanaged<OrtCustomOpStruct*, nuint>)&GetOutputTypeCount;
            op->KernelDestroy = (delegate* unmanaged<void*, void>)&KernelDestroy;
            op->GetInputCharacteristic = (delegate* unmanaged<OrtCustomOpStruct*, nuint, int>)&GetInputCharacteristic;
            op->GetOutputCharacteristic = (delegate* unmanaged<OrtCustomOpStruct*, nuint, int>)&GetOutputCharacteristic;
            op->GetInputMemoryType = (delegate* unmanaged<OrtCustomOpStruct*, nuint, int>)&GetInputMemoryType;
            op->GetVariadicInputMinArity = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetVariadicMinArity;
            op->GetVariadicInputHomogeneity = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetVariadicHomogeneity;
            op->GetVariadicOutputMinArity = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetVariadicMinArity;
            op->GetVariadicOutputHomogeneity = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetVariadicHomogeneity;
            op->CreateKernelV2 = (delegate* unmanaged<OrtCustomOpStruct*, void*, void*, void**, void*>)&CreateKernelV2;
            op->KernelComputeV2 = (delegate* unmanaged<void*, void*, void*>)&KernelComputeV2;
            op->InferOutputShapeFn = (delegate* unmanaged<OrtCustomOpStruct*, void*, void*>)&InferOutputShape;
            op->GetStartVersion = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetStartVersion;
            op->GetEndVersion = (delegate* unmanaged<OrtCustomOpStruct*, int>)&GetEndVersion;
        }
        return structs;
    }

    /// <summary>The operators' names as C strings, one set for every registration.</summary>
    private static byte** NativeNames()
    {
        var names = (byte**)NativeMemory.AllocZeroed((nuint)(s_operators.Length * sizeof(byte*)));
        for (int i = 0; i < s_operators.Length; i++)
        {
            byte[] name = Utf8Name.Of(s_operators[i].Name);
            names[i] = (byte*)NativeMemory.Alloc((nuint)name.Length);
            name.CopyTo(new Span<byte>(names[i], name.Length));
        }
        return names;
    }

    private static int IndexOf(OrtCustomOpStruct* op) => ((DyveCustomOp*)op)->Operator;

    private static DyveOperator OperatorOf(OrtCustomOpStruct* op) => s_operators[IndexOf(op)];

    [UnmanagedCallersOnly]
    private static byte* GetName(OrtCustomOpStruct* op) => s_names[IndexOf(op)];

    /// <summary>Null: the CPU execution provider.</summary>
    [UnmanagedCallersOnly]
    private static byte* GetExecutionProviderType(OrtCustomOpStruct* op) => null;

    [UnmanagedCallersOnly]
    private static int GetInputType(OrtCustomOpStruct* op, nuint index) => (int)OperatorOf(op).InputType((int)index);

    [UnmanagedCallersOnly]
    private static int GetOutputType(OrtCustomOpStruct* op, nuint index) => (int)OrtElementType.Float;

    [UnmanagedCallersOnly]
    private static nuint GetInputTypeCount(OrtCustomOpStruct* op) => (nuint)OperatorOf(op).InputCount;

    [UnmanagedCallersOnly]
    private static nuint GetOutputTypeCount(OrtCustomOpStruct* op) => 1;

    [UnmanagedCallersOnly]
    private static int GetInputCharacteristic(OrtCustomOpStruct* op, nuint index) =>
        (int)(OperatorOf(op).IsOptional((int)index) ? OrtInputCharacteristic.Optional : OrtInputCharacteristic.Required);

    [UnmanagedCallersOnly]
    private static int GetOutputCharacteristic(OrtCustomOpStruct* op, nuint index) => (int)OrtInputCharacteristic.Required;

    /// <summary>OrtMemTypeDefault: inputs in CPU memory.</summary>
    [UnmanagedCallersOnly]
    private static int GetInputMemoryType(OrtCustomOpStruct* op, nuint index) => 0;

    [UnmanagedCallersOnly]
    private static int GetVariadicMinArity(OrtCustomOpStruct* op) => 1;

    [UnmanagedCallersOnly]
    private static int GetVariadicHomogeneity(OrtCustomOpStruct* op) => 0;

    [UnmanagedCallersOnly]
    private static int GetStartVersion(OrtCustomOpStruct* op) => 1;

    [UnmanagedCallersOnly]
    private static int GetEndVersion(OrtCustomOpStruct* op) => int.MaxValue;

    [UnmanagedCallersOnly]
    private static void* CreateKernelV2(OrtCustomOpStruct* op, void* api, void* info, void** kernel)
    {
        OrtFunctions ort = s_ort!;
        DyveOperator definition = OperatorOf(op);
        var kernelInfo = new KernelInfo(ort, info);
        try
        {
            IDyveKernel created = definition.CreateKernel(kernelInfo);
            nint handle = GCHandle.ToIntPtr(GCHandle.Alloc(created));
            created.Handle = handle;
            LiveKernels.Add(created, ((DyveCustomOp*)op)->Registration);
            *kernel = (void*)handle;
            return null;
        }
        catch (Exception ex)
        {
            *kernel = null;
            return ort.Fail(OrtErrorCode.InvalidArgument, $"{definition.Name} node '{SafeNodeName(kernelInfo)}': {ex.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void* KernelComputeV2(void* kernel, void* context)
    {
        OrtFunctions ort = s_ort!;
        IDyveKernel? target = null;
        try
        {
            target = (IDyveKernel)GCHandle.FromIntPtr((nint)kernel).Target!;
            target.Compute(new KernelContext(ort, context));
            return null;
        }
        catch (Exception ex)
        {
            string node = target is null ? "" : $" node '{target.NodeName}'";
            string op = target?.OpName ?? "DyVE operator";
            return ort.Fail(ex is ArgumentException ? OrtErrorCode.InvalidArgument : OrtErrorCode.Fail, $"{op}{node}: {ex.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void KernelDestroy(void* kernel)
    {
        try
        {
            if (kernel == null) return;
            GCHandle handle = GCHandle.FromIntPtr((nint)kernel);
            if (handle.Target is IDyveKernel destroyed && LiveKernels.Remove(destroyed) is long registration)
                DyveDomain.KernelDestroyed(registration);
            handle.Free();
        }
        catch (Exception)
        {
            // Nothing can be reported from here; a bad handle is ORT's bug, and crashing its host is worse.
        }
    }

    [UnmanagedCallersOnly]
    private static void* InferOutputShape(OrtCustomOpStruct* op, void* context)
    {
        OrtFunctions ort = s_ort!;
        DyveOperator definition = OperatorOf(op);
        try
        {
            definition.InferShape(new ShapeInference(ort, context));
            return null;
        }
        catch (Exception ex)
        {
            return ort.Fail(OrtErrorCode.InvalidArgument, $"{definition.Name}: {ex.Message}");
        }
    }

    private static string SafeNodeName(KernelInfo info)
    {
        try
        {
            return info.NodeName();
        }
        catch (Exception)
        {
            return "?";
        }
    }
}
