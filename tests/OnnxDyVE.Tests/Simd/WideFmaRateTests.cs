using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Tests.Simd;

/// <summary>The FMA rate by processor: two only for the Intel server models listed, one for every other processor.</summary>
public sealed class WideFmaRateTests
{
    [Theory]
    [InlineData("GenuineIntel", 6, 106, 2)] // Ice Lake-SP (this project's Xeon @ 2.80 GHz)
    [InlineData("GenuineIntel", 6, 143, 2)] // Sapphire Rapids
    [InlineData("GenuineIntel", 6, 173, 2)] // Granite Rapids
    [InlineData("GenuineIntel", 6, 85, 1)] // Skylake-SP / Cascade Lake: one unit or two by SKU, so one unless set
    [InlineData("GenuineIntel", 6, 140, 1)] // Tiger Lake (client, one unit)
    [InlineData("GenuineIntel", 19, 1, 1)] // a family not listed
    [InlineData("AuthenticAMD", 25, 17, 1)] // Zen 4 (EPYC 9004): 512-bit FMAs as two halves
    [InlineData("AuthenticAMD", 6, 106, 1)] // another vendor's numbers mean nothing here
    public void Two_fmas_a_cycle_only_for_the_listed_intel_server_models(string vendor, int family, int model, int expected) =>
        Assert.Equal(expected, WideFmaRate.ForProcessor(vendor, (family, model)));

    /// <summary>CPUID read as Linux reads it: the vendor, display family and display model /proc/cpuinfo gives.</summary>
    [Fact]
    public void The_processor_is_identified_as_linux_identifies_it()
    {
        if (!X86Base.IsSupported || !File.Exists("/proc/cpuinfo")) return;
        string[] lines = File.ReadAllLines("/proc/cpuinfo");
        // "model\t\t: 106", not "model name\t: ...": a field's name ends at its first tab.
        string Field(string name) => lines.First(l => l.StartsWith(name + "\t", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

        Assert.Equal(Field("vendor_id"), WideFmaRate.Vendor());
        Assert.Equal((int.Parse(Field("cpu family")), int.Parse(Field("model"))), WideFmaRate.Identity());
    }
}
