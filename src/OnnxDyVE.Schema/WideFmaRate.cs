using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxDyVE.Schema;

/// <summary>
/// How many 512-bit FMAs a core of this machine retires a cycle: one (AMD Zen 4, which runs them as two 256-bit halves;
/// Intel's client cores and some Xeon SKUs, one FMA unit) or two (Intel's Xeon server cores from Ice Lake on). What a
/// tile costs beyond its multiply-adds (loads and stores of its sums, its list of taps) is the same number of cycles on
/// both, but a position's dense work takes half as many where two FMAs retire a cycle, so per unit of dense work it costs
/// twice as much there; and the sparse kernel, bound by its loads, gains nothing from the second unit. The kernels weigh
/// their tiles by it, and the rewriter chooses by it how to run pruned fire modules (<see cref="SparseWeights.RunApart"/>).
/// </summary>
/// <remarks>
/// CPUID does not state the rate; the processor's family and model do, for the models listed. A timing probe (four
/// dependent FMA chains against twelve) read 1.9 on an idle Ice Lake VM but anywhere from 1.0 to 1.9 from one process to
/// the next while neighbours shared the physical core, which would have made two rewrites of one model differ: a rate
/// must be deterministic. Models not listed count as one FMA a cycle, the choices the kernels were first tuned with;
/// <see cref="Variable"/> sets the rate instead (Skylake-SP and Cascade Lake Xeons have one unit or two by SKU).
/// </remarks>
public static class WideFmaRate
{
    /// <summary>
    /// The environment variable that sets the rate instead: 1 or 2 (any other value is ignored). For a machine the model
    /// table does not know, and for rewriting a model on one machine for another.
    /// </summary>
    public const string Variable = "ONNXDYVE_WIDE_FMA_RATE";

    /// <summary>1 or 2; 1 where the process does not accelerate Vector512 (no 512-bit tiles run then) unless set.</summary>
    public static int PerCycle { get; } = Environment.GetEnvironmentVariable(Variable) switch
    {
        "1" => 1,
        "2" => 2,
        _ => Vector512.IsHardwareAccelerated && X86Base.IsSupported ? ForProcessor(Vendor(), Identity()) : 1,
    };

    /// <summary>
    /// The rate of a processor by its CPUID vendor string, display family and display model: two for the Intel family 6
    /// server cores that retire two 512-bit FMAs a cycle in every SKU, Ice Lake-SP and -D (106, 108; this project's Xeon @
    /// 2.80 GHz is a 106), Sapphire Rapids (143), Emerald Rapids (207) and Granite Rapids (173, 174); one otherwise.
    /// </summary>
    internal static int ForProcessor(string vendor, (int Family, int Model) identity) =>
        vendor == "GenuineIntel" && identity is (6, 106 or 108 or 143 or 173 or 174 or 207) ? 2 : 1;

    internal static string Vendor()
    {
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<int> words = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words));
    }

    /// <summary>CPUID leaf 1's display family and model (the extended fields added as Intel and AMD define them).</summary>
    internal static (int Family, int Model) Identity()
    {
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
        if (family == 0xF) family += (eax >> 20) & 0xFF;
        if (family is 6 or >= 0xF) model += ((eax >> 16) & 0xF) << 4;
        return (family, model);
    }
}
