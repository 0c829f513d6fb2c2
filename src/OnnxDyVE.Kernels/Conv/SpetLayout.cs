namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// Where an SPET run (<see cref="ConvAlgorithm.Spet"/>) keeps its per-image data in the run-wide buffer, after the
/// padded input and its zero-map flags (offsets in floats from the buffer's start), and how hard it predicts.
/// </summary>
/// <param name="Strength">t = effort x spet_delta: 0 is exact SPET, 1 stops every output whose partial sum is below the saturation value.</param>
/// <param name="Ranges">Each (image, input channel)'s least and greatest value.</param>
/// <param name="Rest">
/// Each image's remaining input channels, position-major: per padded position, <see cref="SpetConv.RestPitch"/> floats
/// (the rest channels in significance order, then zeros), so one output's rest of K is a few contiguous runs.
/// </param>
public readonly record struct SpetLayout(float Strength, long Ranges, long Rest);
