namespace OnnxDyVE.Graph;

/// <summary>
/// Which computations a layer model contains. Tests want both in one model, so a single run compares them on
/// the same input; benchmarks want each alone, so neither is timed with the other.
/// </summary>
[Flags]
public enum LayerPaths
{
    /// <summary>Stock ONNX operators; output <see cref="LayerModels.ReferenceOutput"/>.</summary>
    Reference = 1,
    /// <summary>The single DyVE operator; output <see cref="LayerModels.DyveOutput"/>.</summary>
    Dyve = 2,
    Both = Reference | Dyve,
}
