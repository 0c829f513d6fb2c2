namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// How an SDSS run (<see cref="ConvAlgorithm.Sampled"/>) is cut into phases and tasks, and where its working
/// data sits in the run-wide buffer (offsets in floats from its start, after the padded input).
/// </summary>
/// <param name="Threshold">Largest spread of grid neighbours, in output units, that a position may be interpolated across.</param>
/// <param name="Grid">The output map's sampling grid.</param>
/// <param name="GridChunk">Grid positions per grid task (a multiple of the tile's six rows).</param>
/// <param name="Blocks">Decision blocks of <see cref="SampledConv.BlockChannels"/> output channels.</param>
/// <param name="RowsPerBand">Output rows per band: a band is the unit of the decide, compute and store phases.</param>
/// <param name="GridValues">Grid outputs, position-major: (image, grid index) rows of the padded channel count.</param>
/// <param name="ComputedValues">Computed off-grid outputs: (image, block, list entry) rows of BlockChannels.</param>
/// <param name="Entries">Per (image, block, position): the entry of its computed row, or -1 (interpolated; grid positions: unused).</param>
/// <param name="Lists">Per (image, block): positions to compute, each band's from the band's first position on.</param>
/// <param name="ListCounts">Per (image, block, band): positions the band listed.</param>
public readonly record struct SampledLayout(
    float Threshold, SampledGrid Grid, int GridChunk, int GridChunks, int Blocks, int Bands, int RowsPerBand,
    long GridValues, long ComputedValues, long Entries, long Lists, long ListCounts)
{
    public const int Phases = 5;
    public const int CopyPhase = 0, GridPhase = 1, DecidePhase = 2, ComputePhase = 3, StorePhase = 4;

    public int Tasks(int phase, int batch) => phase switch
    {
        GridPhase => batch * GridChunks,
        DecidePhase => batch * Bands,
        _ => batch * Blocks * Bands,
    };
}
