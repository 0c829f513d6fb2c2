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
        // The pieces (output-row runs cut at panel boundaries) depend only on the columns, so they are found
        // once and replayed for every k, which then costs a bounds check and a short copy per piece.
        Span<Piece> pieces = stackalloc Piece[nLength + nLength / panelColumns + 2];
        int pieceCount = FindPieces(spec, geometry, n0, nLength, panelColumns, (nint)kLength * panelColumns, pieces);
        int kernelWidth = spec.KernelWidth;
        int kernelArea = spec.KernelHeight * kernelWidth;
        int channel = k0 / kernelArea;
        int ky = (k0 - channel * kernelArea) / kernelWidth;
        int kx = k0 - channel * kernelArea - ky * kernelWidth;
        int height = geometry.InputHeight;
        int width = geometry.InputWidth;
        int stride = spec.StrideWidth;
        for (int kk = 0; kk < kLength; kk++)
        {
            float* plane = image + (nint)channel * geometry.InputSize;
            int rowOffset = ky * spec.DilationHeight - geometry.PadTop;
            int colOffset = kx * spec.DilationWidth - geometry.PadLeft;
            float* row0 = destination + (nint)kk * panelColumns;
            for (int i = 0; i < pieceCount; i++)
            {
                Piece piece = pieces[i];
                int iy = piece.InputRow + rowOffset;
                float* sourceRow = (uint)iy < (uint)height ? plane + (nint)iy * width : null;
                CopyPiece(sourceRow, piece.InputColumn + colOffset, piece.Count, stride, width, row0 + piece.Destination);
            }
            if (++kx == kernelWidth)
            {
                kx = 0;
                if (++ky == spec.KernelHeight)
                {
                    ky = 0;
                    channel++;
                }
            }
        }

        ZeroTail(nLength, kLength, panelColumns, destination);
    }

    /// <summary>A run of output columns within one output row and one panel, before kernel offsets and padding.</summary>
    private readonly record struct Piece(int InputRow, int InputColumn, int Count, nint Destination);

    private static int FindPieces(ConvSpec spec, in ConvGeometry geometry, int n0, int nLength, int panelColumns,
        nint panelStride, Span<Piece> pieces)
    {
        int outW = geometry.OutputWidth;
        int count = 0;
        int oy = n0 / outW;
        int ox = n0 - oy * outW;
        int p = 0;
        while (p < nLength)
        {
            int run = Math.Min(outW - ox, nLength - p);
            while (run > 0)
            {
                int panel = p / panelColumns;
                int lane = p - panel * panelColumns;
                int length = Math.Min(run, panelColumns - lane);
                pieces[count++] = new Piece(oy * spec.StrideHeight, ox * spec.StrideWidth, length, panel * panelStride + lane);
                p += length;
                ox += length;
                run -= length;
            }
            oy++;
            ox = 0;
        }
        return count;
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
