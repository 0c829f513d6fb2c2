namespace OnnxDyVE.Tests.Simd;

/// <summary>
/// The test assembly's entry point, used only when <see cref="SimdPathTests"/> starts it as a child process
/// (`dotnet OnnxDyVE.Tests.dll simd-check`, `wide-fma-rate` for the FMA rate alone, or `list-choices` for the choices of
/// <see cref="Kernels.LiveTapsTests"/> that depend on it); under `dotnet test` the test host
/// loads the assembly instead.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["simd-check"]) return SimdCheck.Run(Console.Out);
        if (args is ["wide-fma-rate"])
        {
            Console.WriteLine(SimdCheck.WideFmaRateLine);
            return 0;
        }
        if (args is ["list-choices"])
        {
            Console.WriteLine(Kernels.LiveTapsTests.ListChoicesLine());
            return 0;
        }
        Console.Error.WriteLine("usage: OnnxDyVE.Tests simd-check | wide-fma-rate | list-choices");
        return 2;
    }
}
