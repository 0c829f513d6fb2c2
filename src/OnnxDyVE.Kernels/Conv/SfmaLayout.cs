namespace OnnxDyVE.Kernels.Conv;

/// <summary>
/// How an SFMA run (<see cref="ConvSpec.SfmaDelta"/> at an effort above 0, on <see cref="ConvAlgorithm.PaddedTaps"/>)
/// folds near-uniform maps and merges near-equal pairs: the threshold, and where the copy phase leaves each map's mean
/// and each pair's test in the run-wide buffer, after the padded input and the map flags
/// (<see cref="ConvWork.ZeroMapFlags"/>, which mark a folded map <see cref="PaddedTaps.FoldedMap"/>). Default: SFMA off.
/// </summary>
/// <param name="Threshold">SfmaDelta x InputScale x effort: the largest standard deviation of a folded map, and RMS difference of a merged pair.</param>
/// <param name="Means">Each (image, input channel)'s mean, in floats from the buffer's start; read for folded maps only.</param>
/// <param name="NearEqual">
/// Each (image, pair)'s test, a byte (<see cref="SfmaPairs.Test"/>), in floats from the buffer's start; 0: the kernel
/// has no pairs.
/// </param>
public readonly record struct SfmaLayout(float Threshold, long Means, long NearEqual = 0)
{
    public bool IsOn => Threshold > 0;

    public bool MergesPairs => NearEqual != 0;
}
