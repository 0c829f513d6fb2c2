using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace OnnxDyVE.Interop;

/// <summary>An OrtKernelContext: one Run's inputs, outputs and ORT's intra-op thread pool.</summary>
internal readonly unsafe struct KernelContext(OrtFunctions ort, void* context)
{
    /// <summary>Most dimensions OnnxDyVE reads from a tensor.</summary>
    public const int MaxRank = 8;

    /// <summary>
    /// Input <paramref name="index"/>: element type, data and dimensions copied into <paramref name="shape"/>
    /// (rank is returned; -1 when the optional input is absent, -2 when its rank exceeds <see cref="MaxRank"/>).
    /// </summary>
    public int Input(int index, Span<long> shape, out OrtElementType elementType, out void* data)
    {
        void* value;
        ort.Check(ort.KernelContext_GetInput(context, (nuint)index, &value), "KernelContext_GetInput");
        elementType = OrtElementType.Undefined;
        data = null;
        if (value == null) return -1;
        int rank;
        if (ort.GetTensorElementTypeAndShapeDataReference != null)
        {
            int type;
            long* dims;
            nuint count;
            ort.Check(ort.GetTensorElementTypeAndShapeDataReference(value, &type, &dims, &count), "GetTensorElementTypeAndShapeDataReference");
            elementType = (OrtElementType)type;
            rank = (int)count;
            if (rank > shape.Length) return -2;
            new ReadOnlySpan<long>(dims, rank).CopyTo(shape);
        }
        else
        {
            rank = ReadShapeThroughInfo(value, shape, out elementType);
            if (rank < 0) return rank;
        }
        void* pointer;
        ort.Check(ort.GetTensorMutableData(value, &pointer), "GetTensorMutableData");
        data = pointer;
        return rank;
    }

    private int ReadShapeThroughInfo(void* value, Span<long> shape, out OrtElementType elementType)
    {
        void* info;
        ort.Check(ort.GetTensorTypeAndShape(value, &info), "GetTensorTypeAndShape");
        try
        {
            int type;
            nuint count;
            ort.Check(ort.GetTensorElementType(info, &type), "GetTensorElementType");
            ort.Check(ort.GetDimensionsCount(info, &count), "GetDimensionsCount");
            elementType = (OrtElementType)type;
            if ((int)count > shape.Length) return -2;
            fixed (long* dims = shape) ort.Check(ort.GetDimensions(info, dims, count), "GetDimensions");
            return (int)count;
        }
        finally
        {
            ort.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    /// <summary>Allocates output <paramref name="index"/> with <paramref name="shape"/> and returns its float data.</summary>
    public float* Output(int index, ReadOnlySpan<long> shape)
    {
        void* value;
        fixed (long* dims = shape)
            ort.Check(ort.KernelContext_GetOutput(context, (nuint)index, dims, (nuint)shape.Length, &value), "KernelContext_GetOutput");
        void* data;
        ort.Check(ort.GetTensorMutableData(value, &data), "GetTensorMutableData");
        return (float*)data;
    }

    /// <summary>
    /// Runs tasks [0, <paramref name="taskCount"/>) on ORT's intra-op pool, so intra_op_num_threads is honoured
    /// (serial at 1). <paramref name="owner"/> is a GCHandle (as IntPtr) to the <see cref="IParallelTasks"/> and
    /// <paramref name="work"/> the run's state it reads. The first exception a task throws is rethrown here. Returns
    /// whether a thread other than the caller's ran a task: the C API does not say how many threads the pool has.
    /// </summary>
    public bool ParallelFor(nint owner, void* work, int taskCount)
    {
        if (taskCount == 1)
        {
            ((IParallelTasks)GCHandle.FromIntPtr(owner).Target!).RunTask(work, 0);
            return false;
        }
        var batch = new ParallelBatch { Owner = owner, Work = work, Caller = Environment.CurrentManagedThreadId };
        ort.Check(ort.KernelContext_ParallelFor(context, &RunOne, (nuint)taskCount, 0, &batch), "KernelContext_ParallelFor");
        if (batch.Error != 0)
        {
            GCHandle handle = GCHandle.FromIntPtr(batch.Error);
            var error = (Exception)handle.Target!;
            handle.Free();
            ExceptionDispatchInfo.Throw(error);
        }
        return batch.OtherThread != 0;
    }

    private struct ParallelBatch
    {
        public nint Owner;
        public void* Work;
        public nint Error;
        /// <summary>The managed id of the thread that called ParallelFor.</summary>
        public int Caller;
        /// <summary>1 once a task ran on another thread.</summary>
        public int OtherThread;
    }

    /// <summary>A pool thread's entry: catches everything, since an exception here would end the process.</summary>
    [UnmanagedCallersOnly]
    private static void RunOne(void* state, nuint index)
    {
        var batch = (ParallelBatch*)state;
        try
        {
            if (Volatile.Read(ref batch->Error) != 0) return;
            if (Environment.CurrentManagedThreadId != batch->Caller) Volatile.Write(ref batch->OtherThread, 1);
            ((IParallelTasks)GCHandle.FromIntPtr(batch->Owner).Target!).RunTask(batch->Work, (int)index);
        }
        catch (Exception ex)
        {
            nint handle = GCHandle.ToIntPtr(GCHandle.Alloc(ex));
            if (Interlocked.CompareExchange(ref batch->Error, handle, 0) != 0) GCHandle.FromIntPtr(handle).Free();
        }
    }
}

/// <summary>A kernel whose run is cut into independent tasks.</summary>
internal unsafe interface IParallelTasks
{
    void RunTask(void* work, int index);
}
