using System.Runtime.CompilerServices;

namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Writes a block of the im2col matrix (rows k = (channel, ky, kx), columns n = (oy, ox)) straight into the
/// vector-operand panel layout of the GEMM tile, so the unfolded matrix never exists in full.
/// </summary>
internal static unsafe class Im2ColPacker
{
    /// <summary>
    /// Packs rows [k0, k0 + kLength) and columns [n0, n0 + nLength) into panels of <paramref name="panelColumns"/>
    /// columns: element (k, n) lands at destination[(p / panelColumns) * kLength * panelColumns + (k - k0) * panelColumns + p % panelColumns],
    /// p = n - n0. Columns past nLength in the last panel are zero.
    /// </summary>
    /// <param name="image">The group's first input channel of one image (channels x height x width).</param>
    // Hot loops are compiled fully optimised on first call: tier-0 code would distort short runs and benchmarks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(float* image, ConvSpec spec, in ConvGeometry geometry, int k0, int kLength,
        int n0, int nLength, int panelColumns, float* destination)
    {
        int kernelArea = spec.KernelHeight * spec.KernelWidth;
        int outW = geometry.OutputWidth;
        nint panelStride = (nint)kLength * panelColumns;
        for (int kk = 0; kk < kLength; kk++)
        {
            int k = k0 + kk;
            int channel = k / kernelArea;
            int within = k - channel * kernelArea;
            int ky = within / spec.KernelWidth;
            int kx = within - ky * spec.KernelWidth;
            float* plane = image + (nint)channel * geometry.InputSize;
            int rowOffset = ky * spec.DilationHeight - geometry.PadTop;
            int colOffset = kx * spec.DilationWidth - geometry.PadLeft;

            int n = n0;
            int end = n0 + nLength;
            int oy = n0 / outW;
            int ox = n0 - oy * outW;
            while (n < end)
            {
                int run = Math.Min(outW - ox, end - n);
                int iy = oy * spec.StrideHeight + rowOffset;
                float* sourceRow = (uint)iy < (uint)geometry.InputHeight ? plane + (nint)iy * geometry.InputWidth : null;
                int ix = ox * spec.StrideWidth + colOffset;
                // Split the run where it crosses a panel boundary; each piece is contiguous in the destination.
                while (run > 0)
                {
                    int p = n - n0;
                    int panel = p / panelColumns;
                    int lane = p - panel * panelColumns;
                    int piece = Math.Min(run, panelColumns - lane);
                    float* dst = destination + panel * panelStride + (nint)kk * panelColumns + lane;
                    CopyPiece(sourceRow, ix, piece, spec.StrideWidth, geometry.InputWidth, dst);
                    n += piece;
                    run -= piece;
                    ix += piece * spec.StrideWidth;
                }
                oy++;
                ox = 0;
            }
        }

        ZeroTail(nLength, kLength, panelColumns, destination);
    }

    /// <summary>dst[i] = row[ix + i * stride], zero outside the row (or everywhere when the row is padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPiece(float* row, int ix, int count, int stride, int width, float* dst)
    {
        if (row == null)
        {
            ShortSpans.Fill(dst, count);
            return;
        }
        if (stride == 1)
        {
            int lead = Math.Clamp(-ix, 0, count);
            int insideEnd = Math.Max(lead, Math.Clamp(width - ix, 0, count));
            ShortSpans.Fill(dst, lead);
            ShortSpans.Copy(row + ix + lead, dst + lead, insideEnd - lead);
            ShortSpans.Fill(dst + insideEnd, count - insideEnd);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            int x = ix + i * stride;
            dst[i] = (uint)x < (uint)width ? row[x] : 0f;
        }
    }

    /// <summary>Zeroes the columns of the last panel past the block's end, so the tile reads defined values.</summary>
    private static void ZeroTail(int nLength, int kLength, int panelColumns, float* destination)
    {
        int used = nLength % panelColumns;
        if (used == 0) return;
        float* panel = destination + (nint)(nLength / panelColumns) * kLength * panelColumns;
        for (int kk = 0; kk < kLength; kk++)
            new Span<float>(panel + (nint)kk * panelColumns + used, panelColumns - used).Clear();
    }
}
