namespace OnnxDyVE.Tests.Support;

/// <summary>Planar (N x C x P) tensors as blocked ones (N x C/16 x P x 16) and back, for the kernels that read and write blocks.</summary>
internal static class BlockedTensors
{
    public const int Block = 16;

    public static int Blocks(int channels) => (channels + Block - 1) / Block;

    /// <summary>The blocked tensor, the lanes past C set to <paramref name="padding"/> (NaN: a kernel that reads them fails).</summary>
    public static float[] FromPlanar(float[] planar, int batch, int channels, int plane, float padding)
    {
        var blocked = new float[batch * Blocks(channels) * Block * plane];
        Array.Fill(blocked, padding);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++)
                    blocked[Index(n, c, p, channels, plane)] = planar[(n * channels + c) * plane + p];
        return blocked;
    }

    /// <summary>Where channel <paramref name="c"/> of position <paramref name="p"/> of image <paramref name="n"/> lies in a blocked tensor.</summary>
    public static int Index(int n, int c, int p, int channels, int plane) => ((n * Blocks(channels) + c / Block) * plane + p) * Block + c % Block;

    /// <summary>Blocked maps made planar; every padded lane (past the last channel) must be 0.</summary>
    public static float[] ToPlanar(float[] blocked, int batch, int channels, int plane, string context)
    {
        var planar = new float[batch * channels * plane];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < Blocks(channels) * Block; c++)
                for (int p = 0; p < plane; p++)
                {
                    float value = blocked[Index(n, c, p, channels, plane)];
                    if (c < channels) planar[(n * channels + c) * plane + p] = value;
                    else Assert.True(value == 0, $"{context}: padded lane {c} of position {p} holds {value}, not 0");
                }
        return planar;
    }
}
