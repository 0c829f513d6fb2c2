namespace OnnxDyVE.Tests.Simd;

/// <summary>
/// The test assembly's entry point, used only when <see cref="SimdPathTests"/> starts it as a child process
/// (`dotnet OnnxDyVE.Tests.dll simd-check`); under `dotnet test` the test host loads the assembly instead.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["simd-check"]) return SimdCheck.Run(Console.Out);
        Console.Error.WriteLine("usage: OnnxDyVE.Tests simd-check");
        return 2;
    }
}
