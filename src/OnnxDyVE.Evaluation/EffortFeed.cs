using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Graph.Rewrite;

namespace OnnxDyVE.Evaluation;

/// <summary>
/// The value to feed a rewritten model's effort input (<see cref="EffortInput.Name"/>) for one run, overriding the
/// default its initializer holds. ONNX Runtime lists such an input among the session's overridable initializers,
/// not its inputs, so code that feeds the inputs it finds never feeds the effort by accident.
/// </summary>
public static class EffortFeed
{
    public const string Name = EffortInput.Name;

    /// <summary>
    /// A float scalar holding <paramref name="effort"/> (in [0, 1]); the caller disposes it. Throws
    /// <see cref="ArgumentException"/> when <paramref name="session"/> has no effort input to feed.
    /// </summary>
    public static OrtValue Create(InferenceSession session, float effort, string model)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!(effort >= 0 && effort <= 1)) throw new ArgumentOutOfRangeException(nameof(effort), effort, "effort must be in [0, 1]");
        if (!session.OverridableInitializerMetadata.ContainsKey(Name) && !session.InputMetadata.ContainsKey(Name))
            throw new ArgumentException($"{model} has no effort input '{Name}' that a run can set: rewrite it with `dyve rewrite` (a model of IR version 3 or older can only run at its default effort)");
        return OrtValue.CreateTensorValueFromMemory(new[] { effort }, []);
    }
}
