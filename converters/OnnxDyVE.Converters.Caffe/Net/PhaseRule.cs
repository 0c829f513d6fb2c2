using OnnxDyVE.Converters.Caffe.Proto;

namespace OnnxDyVE.Converters.Caffe.Net;

/// <summary>
/// Caffe's StateMeetsRule for a net run at inference: phase TEST, with the level and stages of the net's own
/// <c>state</c>. A layer with include rules is kept when one rule is met; with exclude rules, when none is.
/// </summary>
internal sealed class PhaseRule(NetState? state)
{
    private readonly int _level = state?.Level ?? 0;
    private readonly HashSet<string> _stages = state is null ? [] : [.. state.Stage];

    public bool Includes(LayerParameter layer)
    {
        if (layer.HasPhase && layer.Phase != Phase.Test) return false;
        if (layer.Include.Count > 0) return layer.Include.Any(Meets);
        return !layer.Exclude.Any(Meets);
    }

    private bool Meets(NetStateRule rule) =>
        (!rule.HasPhase || rule.Phase == Phase.Test)
        && (!rule.HasMinLevel || _level >= rule.MinLevel)
        && (!rule.HasMaxLevel || _level <= rule.MaxLevel)
        && rule.Stage.All(_stages.Contains)
        && !rule.NotStage.Any(_stages.Contains);
}
