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
}
