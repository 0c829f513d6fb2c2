using System.Text;

namespace OnnxDyVE.Interop;

/// <summary>Null-terminated UTF-8 copies of attribute names, for the C API.</summary>
internal static class Utf8Name
{
    public static byte[] Of(string name)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(name) + 1];
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }
}
