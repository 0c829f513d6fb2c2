using System.CommandLine;
using OnnxDyVE.Kernels.Simd;

namespace OnnxDyVE.Cli.Commands;

/// <summary><c>dyve info</c>: what OnnxDyVE runs with on this machine.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the ONNX Runtime, the SIMD path and the cores OnnxDyVE uses here");
        command.SetAction(_ =>
        {
            Console.WriteLine(MachineDescription.Describe());
            return 0;
        });
        return command;
    }
}
