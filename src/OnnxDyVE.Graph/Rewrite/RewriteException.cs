namespace OnnxDyVE.Graph.Rewrite;

/// <summary>A model the rewriter cannot read or that contradicts itself; the message names the file, node or tensor at fault.</summary>
public sealed class RewriteException(string message, Exception? inner = null) : Exception(message, inner);
