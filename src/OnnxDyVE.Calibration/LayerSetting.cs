using System.Globalization;

namespace OnnxDyVE.Calibration;

/// <summary>The approximate mechanism a layer runs: none (exact), SDSS, SPET or SFMA (near-uniform maps folded, near-equal pairs merged).</summary>
public enum LayerMechanism
{
    Exact,
    Sdss,
    Spet,
    Sfma,
}

/// <summary>
/// One layer's setting at run-time effort 1, as calibration measures it: SDSS's threshold in units of the layer's
/// activation scale (<paramref name="Value"/>), SFMA's threshold in units of its input scale (<paramref name="Value"/>), or SPET's prefix (<paramref name="Prefix"/>, a share of the input
/// channels) and strength t (<paramref name="Value"/>: 0 exact, 1 the partial sum alone).
/// </summary>
/// <param name="MergesPairs">SFMA merges the layer's candidate pairs of near-equal maps too (<see cref="MergedPairCandidates"/>).</param>
public readonly record struct LayerSetting(LayerMechanism Mechanism, float Value, float Prefix = 0, bool MergesPairs = false)
{
    public static LayerSetting Exact => default;

    public override string ToString() => Mechanism switch
    {
        LayerMechanism.Sdss => string.Create(CultureInfo.InvariantCulture, $"SDSS {Value:0.###} x scale"),
        LayerMechanism.Spet => string.Create(CultureInfo.InvariantCulture, $"SPET prefix {Prefix:0.##}, t {Value:0.##}"),
        LayerMechanism.Sfma => string.Create(CultureInfo.InvariantCulture, $"SFMA {Value:0.###} x input scale{(MergesPairs ? ", pairs merged" : "")}"),
        _ => "exact",
    };
}
