using System.Runtime.InteropServices;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Cli;

/// <summary>The machine facts every report starts with, so a number is never quoted without its machine.</summary>
internal static class MachineDescription
{
    public static string Describe() =>
        $"machine: {CpuName()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}\n" +
        $"runtime: .NET {Environment.Version}, ONNX Runtime {DyveRuntime.OnnxRuntimeVersion}, DyVE kernels on {SimdPaths.Best}";

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        foreach (string line in File.ReadLines(cpuInfo))
        {
            if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
