namespace OnnxDyVE.Calibration;

/// <summary>
/// The last step of calibration: settings chosen on the tuning images must keep the budget on the held-out images.
/// A budget of half a per cent is finer than a few hundred images resolve (one image is 0.8% of 125), so a choice can
/// fit the images it was made on and fail on the next ones; the held-out images catch that (their answers measured,
/// agreement expected from their losses; the tuning images' answers say little, having been kept by choice), and the
/// layers whose settings damaged the outputs most go back to exact until the budget holds.
/// </summary>
public static class HeldOutCheck
{
    /// <param name="settings">The chosen settings, changed in place: a withdrawn layer becomes exact.</param>
    /// <param name="damage">Each layer's agreement expected to be lost at its chosen setting, measured alone (<see cref="MarginAgreement"/>): the most damaging goes first.</param>
    /// <param name="keepsBudget">Measures the settings on the held-out images: true when agreement there is within the budget.</param>
    /// <returns>The withdrawn layers, in the order they went back to exact.</returns>
    public static IReadOnlyList<string> Enforce(Dictionary<string, LayerSetting> settings, IReadOnlyDictionary<string, double> damage,
        Func<IReadOnlyDictionary<string, LayerSetting>, bool> keepsBudget)
    {
        var withdrawn = new List<string>();
        while (!keepsBudget(settings))
        {
            string? worst = null;
            foreach ((string layer, LayerSetting setting) in settings)
            {
                if (setting == LayerSetting.Exact) continue;
                if (worst is null || damage[layer] > damage[worst] || (damage[layer] == damage[worst] && string.CompareOrdinal(layer, worst) < 0))
                    worst = layer;
            }
            if (worst is null) break;
            settings[worst] = LayerSetting.Exact;
            withdrawn.Add(worst);
        }
        return withdrawn;
    }
}
