namespace OnnxDyVE.Converters.Caffe.Text;

internal enum PrototxtTokenKind
{
    Identifier,
    Number,
    /// <summary>A quoted string; <see cref="PrototxtToken.Text"/> holds its decoded bytes as Latin-1 characters.</summary>
    String,
    Symbol,
    End,
}

/// <summary>One token of protobuf text format with the 1-based line and column where it starts.</summary>
internal readonly record struct PrototxtToken(PrototxtTokenKind Kind, string Text, int Line, int Column)
{
    public bool IsSymbol(char symbol) => Kind == PrototxtTokenKind.Symbol && Text.Length == 1 && Text[0] == symbol;
}
