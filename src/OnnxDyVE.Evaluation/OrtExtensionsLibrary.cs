using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Evaluation;

/// <summary>
/// The native ONNX Runtime Extensions library that the Microsoft.ML.OnnxRuntime.Extensions package places beside
/// the app (runtimes/&lt;rid&gt;/native, or the app folder itself once published). The package ships no managed
/// assembly, so ORT's own <c>RegisterOrtExtensions()</c> finds nothing: the library is registered by path.
/// </summary>
public static class OrtExtensionsLibrary
{
    /// <summary>Registers the library's operators (DecodeImage, EncodeImage, ...) on <paramref name="options"/>.</summary>
    public static void Register(SessionOptions options) => options.RegisterCustomOpLibrary(FindPath());

    public static string FindPath()
    {
        string file = OperatingSystem.IsWindows() ? "ortextensions.dll"
            : OperatingSystem.IsMacOS() ? "libortextensions.dylib"
            : "libortextensions.so";
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, file),
            Path.Combine(AppContext.BaseDirectory, "runtimes", $"{os}-{architecture}", "native", file),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"ONNX Runtime Extensions ({file}) is not beside the app; looked in {string.Join(" and ", candidates)}");
    }
}
