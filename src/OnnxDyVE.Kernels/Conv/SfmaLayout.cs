namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// How an SFMA run (<see cref="ConvSpec.SfmaDelta"/> at an effort above 0, on <see cref="ConvAlgorithm.PaddedTaps"/>)
/// folds near-uniform maps: the threshold, and where the copy phase leaves each map's mean in the run-wide buffer,
/// after the padded input and the map flags (<see cref="ConvWork.ZeroMapFlags"/>, which mark a folded map
/// <see cref="PaddedTaps.FoldedMap"/>). Default: SFMA off.
/// </summary>
/// <param name="Threshold">SfmaDelta x InputScale x effort: the largest standard deviation of a folded map.</param>
/// <param name="Means">Each (image, input channel)'s mean, in floats from the buffer's start; read for folded maps only.</param>
public readonly record struct SfmaLayout(float Threshold, long Means)
{
    public bool IsOn => Threshold > 0;
}
