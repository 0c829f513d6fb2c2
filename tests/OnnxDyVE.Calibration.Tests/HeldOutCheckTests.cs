namespace OnnxDyVE.Calibration.Tests;

/// <summary>
/// <see cref="HeldOutCheck"/> on hand-built settings and a budget that is a function of them: layers go back to exact,
/// most damaging first, exactly until the budget holds; a choice that already holds is measured once and kept.
/// </summary>
public sealed class HeldOutCheckTests
{
    private static readonly LayerSetting Sdss = new(LayerMechanism.Sdss, 0.5f);
    private static readonly LayerSetting Sfma = new(LayerMechanism.Sfma, 0.25f);

    private static Dictionary<string, LayerSetting> Chosen() => new()
    {
        ["conv1"] = Sdss,
        ["conv2"] = LayerSetting.Exact,
        ["conv3"] = Sfma,
        ["conv4"] = Sdss,
    };

    private static readonly Dictionary<string, double> Damage = new() { ["conv1"] = 0.02, ["conv3"] = 0.09, ["conv4"] = 0.05 };

    [Fact]
    public void A_choice_within_the_budget_is_checked_once_and_kept()
    {
        var settings = Chosen();
        int checks = 0;
        IReadOnlyList<string> withdrawn = HeldOutCheck.Enforce(settings, Damage, _ => ++checks > 0);
        Assert.Empty(withdrawn);
        Assert.Equal(1, checks);
        Assert.Equal(Chosen(), settings);
    }

    [Fact]
    public void The_most_damaging_layers_go_back_to_exact_until_the_budget_holds()
    {
        var settings = Chosen();
        // The budget holds once neither conv3 nor conv4 approximates: the two most damaging, so exactly those go.
        IReadOnlyList<string> withdrawn = HeldOutCheck.Enforce(settings, Damage,
            s => s["conv3"] == LayerSetting.Exact && s["conv4"] == LayerSetting.Exact);
        Assert.Equal(["conv3", "conv4"], withdrawn);
        Assert.Equal(Sdss, settings["conv1"]);
        Assert.Equal(LayerSetting.Exact, settings["conv2"]);
    }

    [Fact]
    public void A_budget_nothing_keeps_ends_with_every_layer_exact()
    {
        var settings = Chosen();
        int checks = 0;
        IReadOnlyList<string> withdrawn = HeldOutCheck.Enforce(settings, Damage, _ => ++checks < 0);
        Assert.Equal(["conv3", "conv4", "conv1"], withdrawn);
        Assert.All(settings.Values, s => Assert.Equal(LayerSetting.Exact, s));
        Assert.Equal(4, checks);
    }

    [Fact]
    public void Equal_damage_withdraws_in_name_order()
    {
        var settings = Chosen();
        var equal = new Dictionary<string, double> { ["conv1"] = 0.05, ["conv3"] = 0.05, ["conv4"] = 0.05 };
        IReadOnlyList<string> withdrawn = HeldOutCheck.Enforce(settings, equal, s => s["conv1"] == LayerSetting.Exact);
        Assert.Equal(["conv1"], withdrawn);
    }
}
