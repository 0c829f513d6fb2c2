namespace OnnxDyVE.Kernels.Simd;

/// <summary>
/// One vector width of float arithmetic. Kernels are written once against this interface and
/// instantiated per width; the JIT specialises each instantiation, so nothing here is virtual at run time.
/// </summary>
internal interface ISimdLane<TVec> where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }
    static abstract TVec Zero { get; }
    static abstract TVec Load(ref float source);
    static abstract void Store(TVec value, ref float destination);
    static abstract TVec Broadcast(float value);
    static abstract TVec Add(TVec left, TVec right);
    static abstract TVec Multiply(TVec left, TVec right);
    static abstract TVec Divide(TVec left, TVec right);
    /// <summary>left * right + addend, fused where the hardware has it.</summary>
    static abstract TVec MultiplyAdd(TVec left, TVec right, TVec addend);
    static abstract TVec Max(TVec left, TVec right);
    static abstract TVec Min(TVec left, TVec right);
    static abstract TVec Subtract(TVec left, TVec right);
    /// <summary>Whether every lane of left is at most right's (false where either is NaN).</summary>
    static abstract bool AllLessOrEqual(TVec left, TVec right);
    /// <summary>The square root of each lane (one instruction).</summary>
    static abstract TVec Sqrt(TVec value);
    /// <summary>The natural logarithm of each lane (the runtime's vectorized one on the vector paths).</summary>
    static abstract TVec Log(TVec value);
    /// <summary>e to the power of each lane.</summary>
    static abstract TVec Exp(TVec value);
    /// <summary>The sum of the lanes (a dot product's last step).</summary>
    static abstract float Sum(TVec value);
    /// <summary>The sums of the lanes of four vectors, in one vector (four dot products' last step).</summary>
    static abstract System.Runtime.Intrinsics.Vector128<float> Sum4(TVec a, TVec b, TVec c, TVec d);
}
