using System.Runtime.Intrinsics.X86;
using OnnxDyVE.Kernels.Simd;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Tests.Simd;

/// <summary>
/// Every SIMD path on this one machine: the test assembly re-runs itself (<see cref="Program"/>) as a child
/// process with instruction sets switched off through the runtime's environment variables, and the child
/// reports which path the operators took and whether they still match ONNX Runtime.
/// </summary>
public sealed class SimdPathTests
{
    /// <summary>
    /// The variables that switch instruction sets off. .NET 10 folded the AVX-512 subsets into one switch:
    /// DOTNET_EnableAVX512F=0 no longer has any effect, DOTNET_EnableAVX512=0 does.
    /// </summary>
    private static readonly string[] SwitchVariables = ["", "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"];

    public static TheoryData<string> Switches() => new(SwitchVariables);

    [Theory]
    [MemberData(nameof(Switches))]
    public void Child_process_takes_the_expected_path_and_matches_onnx_runtime(string variable)
    {
        (int exitCode, string output) = ChildProcess.Run(variable);

        Assert.Contains($"path={Expected(variable)}", output);
        // The FMA rate: this processor's where 512-bit vectors run, one without them.
        Assert.Contains($"wideFmaRate={(Expected(variable) == SimdPath.Vector512 ? WideFmaRate.PerCycle : 1)}", output);
        Assert.Contains("failed=0", output);
        Assert.True(exitCode == 0, $"child with {ChildProcess.Describe(variable)} exited {exitCode}:\n{output}");
    }

    /// <summary>The FMA rate is the environment's where it sets one (a model rewritten here for another machine), the processor's otherwise.</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public void The_fma_rate_variable_sets_the_rate(string value)
    {
        // The rate alone: the child need not check every layer again to report it.
        (int exitCode, string output) = ChildProcess.Run(WideFmaRate.Variable, value, "wide-fma-rate");

        Assert.Contains($"wideFmaRate={(value is "1" or "2" ? value : WideFmaRate.PerCycle.ToString())}", output);
        Assert.True(exitCode == 0, $"child with {WideFmaRate.Variable}={value} exited {exitCode}:\n{output}");
    }

    [Fact]
    public void The_switches_reach_every_path_on_an_avx512_machine()
    {
        if (!Avx512F.IsSupported) return; // Only an AVX-512 machine has all four paths to reach.
        var paths = SwitchVariables.Select(Expected).ToHashSet();
        Assert.Equal(Enum.GetValues<SimdPath>().ToHashSet(), paths);
    }

    /// <summary>The path a child should take: the best this process has, capped by what the variable switches off.</summary>
    private static SimdPath Expected(string variable)
    {
        SimdPath best = SimdPaths.Best;
        bool x86 = X86Base.IsSupported;
        SimdPath cap = variable switch
        {
            "DOTNET_EnableHWIntrinsic" => SimdPath.Scalar,
            "DOTNET_EnableAVX2" when x86 => SimdPath.Vector128,
            "DOTNET_EnableAVX512" when x86 => SimdPath.Vector256,
            _ => SimdPath.Vector512,
        };
        return best < cap ? best : cap;
    }
}
