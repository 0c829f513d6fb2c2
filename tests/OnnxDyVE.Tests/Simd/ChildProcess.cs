using System.Diagnostics;

namespace OnnxDyVE.Tests.Simd;

/// <summary>
/// The test assembly run again as a child process (<see cref="Program"/>) with one environment variable set: what a
/// process decides once, from its machine or its environment, is tested under other settings there.
/// </summary>
internal static class ChildProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs <paramref name="command"/> with <paramref name="variable"/> set to <paramref name="value"/> (none if empty).</summary>
    public static (int ExitCode, string Output) Run(string variable, string value = "0", string command = "simd-check")
    {
        string assembly = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(command);
        if (variable.Length > 0) start.Environment[variable] = value;

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Timeout))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail($"child with {Describe(variable, value)} did not finish within {Timeout.TotalMinutes} minutes");
        }
        return (child.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Describe(string variable, string value = "0") => variable.Length == 0 ? "no switch" : $"{variable}={value}";
}
