using Onnx;
using OnnxDyVE.Schema;

namespace OnnxDyVE.Graph.Rewrite;

/// <summary>
/// Moves an activation that follows a max pool ahead of it, where the pool reads a Conv alone: Conv → MaxPool → Relu
/// becomes Conv → Relu → MaxPool, and the Relu then fuses into the DyveConv (Caffe's cifar10_quick and cifar10_full
/// pool before their first ReLU). Exact: Relu, LeakyRelu with a slope of 0 or more, and Clip never decrease, and a
/// function that never decreases takes a window's maximum to the maximum of its values (a max pool's padding takes
/// no part in any window's maximum). The activation node goes, and with it a stock node's pass over the pooled maps
/// between two DyVE nodes. Only where the Conv becomes a DyveConv and the activation fuses into it: a stock activation
/// ahead of the pool would read maps several times larger than the pool's.
/// </summary>
internal static class ActivationBeforeMaxPool
{
    /// <summary>Moves every such activation in <paramref name="model"/>'s main graph; returns how many.</summary>
    public static int Apply(ModelProto model)
    {
        var graph = new GraphIndex(model);
        var moves = new List<(NodeProto Pool, NodeProto Activation)>();
        foreach (NodeProto pool in graph.Graph.Node)
            if (IsSinglePool(pool) && graph.Producer(pool.Input[0]) is { } producer && OpTypes.Is(producer, OpTypes.Conv)
                && graph.SoleConsumer(pool.Input[0]) == pool
                && graph.SoleConsumer(pool.Output[0]) is { } activation && ActivationFusion.IsActivation(activation) && activation.Input[0] == pool.Output[0]
                && activation.Output.Count == 1 && activation.Output[0].Length > 0
                && ActivationFusion.Read(activation, graph, out _) is { } fused && NeverDecreases(fused)
                && ConvFusion.TryFuse(producer, graph, new NameAllocator(graph.Names), out _) is not null)
                moves.Add((pool, activation));

        foreach ((NodeProto pool, NodeProto activation) in moves)
        {
            // Conv → T1 → MaxPool → T2 → activation → T3 becomes Conv → T1 → activation → T2 → MaxPool → T3: every tensor
            // keeps its one writer and T3, the one the rest of the graph reads, its name. T2 now has the convolution's shape.
            string convolved = pool.Input[0], pooled = pool.Output[0], activated = activation.Output[0];
            activation.Input[0] = convolved;
            activation.Output[0] = pooled;
            pool.Input[0] = pooled;
            pool.Output[0] = activated;
            // The activation now reads what the pool read: it goes ahead of the pool, so the nodes stay in order.
            model.Graph.Node.Remove(activation);
            model.Graph.Node.Insert(model.Graph.Node.IndexOf(pool), activation);
            for (int i = model.Graph.ValueInfo.Count - 1; i >= 0; i--)
                if (model.Graph.ValueInfo[i].Name == pooled) model.Graph.ValueInfo.RemoveAt(i);
        }
        return moves.Count;
    }

    /// <summary>A MaxPool of the default domain with one input and one output used (no indices).</summary>
    private static bool IsSinglePool(NodeProto node) => OpTypes.Is(node, OpTypes.MaxPool) && node.Input.Count == 1 && node.Input[0].Length > 0
        && node.Output.Count is 1 or 2 && node.Output[0].Length > 0 && (node.Output.Count == 1 || node.Output[1].Length == 0);

    /// <summary>
    /// Whether a fused activation never decreases: Relu and Clip always, LeakyRelu with a slope of 0 or more (its slope as
    /// the fusion read it, ONNX's default included).
    /// </summary>
    private static bool NeverDecreases(FusedActivation activation) =>
        activation.Attributes.FirstOrDefault(a => a.Name == DyveSchema.ActivationAlpha) is not { } alpha || alpha.F >= 0;
}
