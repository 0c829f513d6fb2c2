using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OnnxDyVE.Interop;

namespace OnnxDyVE.Tests.Interop;

/// <summary>
/// Binding the function table to an ONNX Runtime older than the interop needs: a fake OrtApiBase whose GetApi
/// knows no API version past 16 (ORT 1.16) must give a clear exception, not a crash on a null table.
/// </summary>
public sealed unsafe class OrtVersionTests
{
    private const uint NewestFakeApi = 16;

    [Fact]
    public void Binding_to_an_older_onnx_runtime_says_which_version_is_needed()
    {
        void** apiBase = (void**)NativeMemory.Alloc(2, (nuint)sizeof(void*));
        try
        {
            apiBase[0] = (delegate* unmanaged<uint, void*>)&FakeGetApi;
            apiBase[1] = (delegate* unmanaged<byte*>)&FakeVersionString;
            var error = Assert.Throws<NotSupportedException>(() => OrtFunctions.Bind(apiBase));
            Assert.Contains("1.16.3", error.Message);
            Assert.Contains("1.17", error.Message);
        }
        finally
        {
            NativeMemory.Free(apiBase);
        }
    }

    [Fact]
    public void The_loaded_onnx_runtime_binds_with_the_shape_reading_api()
    {
        Assert.True(DyveRuntime.ApiVersion >= OrtApiVersions.ShapeDataReference, $"bound API version {DyveRuntime.ApiVersion}");
    }

    /// <summary>An OrtApiBase.GetApi that, like ORT 1.16's, has no table for any newer API version.</summary>
    [UnmanagedCallersOnly]
    private static void* FakeGetApi(uint version) => version > NewestFakeApi ? null : (void*)1;

    [UnmanagedCallersOnly]
    private static byte* FakeVersionString() => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("1.16.3\0"u8));
}
