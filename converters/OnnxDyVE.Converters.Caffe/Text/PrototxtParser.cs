using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace OnnxDyVE.Converters.Caffe.Text;

/// <summary>
/// Protobuf text format into any generated message, through the message's descriptor, so every field of
/// caffe.proto is read without per-field code. Strict like Caffe's own reader: unknown fields, a singular
/// field given twice, enum names that do not exist and out-of-range numbers are errors, each with
/// file:line:column. Nesting depth and file size are capped, so no input can crash, hang or exhaust memory.
/// </summary>
internal sealed class PrototxtParser
{
    public const int MaxDepth = 64;
    /// <summary>The largest prototxt read: deploy files are kilobytes; 16 MiB leaves room and bounds every allocation.</summary>
    public const int MaxFileChars = 16 << 20;

    private readonly PrototxtTokenizer _tokens;
    private PrototxtToken _current;

    private PrototxtParser(string text, string file)
    {
        _tokens = new PrototxtTokenizer(text, file);
        _current = _tokens.Next();
    }

    public static T Parse<T>(string text, string file) where T : IMessage<T>, new()
    {
        if (text.Length > MaxFileChars) throw new CaffeFormatException($"{file}:1:1: text of {text.Length} characters exceeds the {MaxFileChars}-character limit");
        var message = new T();
        var parser = new PrototxtParser(text, file);
        parser.ParseFields(message, depth: 0, closing: null);
        return message;
    }

    public static T ParseFile<T>(string path) where T : IMessage<T>, new()
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new CaffeFormatException($"{path}: file not found");
        // Every character takes at least one byte, so the byte length bounds the character count.
        if (info.Length > MaxFileChars) throw new CaffeFormatException($"{path}:1:1: file of {info.Length} bytes exceeds the {MaxFileChars}-byte limit");
        return Parse<T>(File.ReadAllText(path), path);
    }

    private void ParseFields(IMessage message, int depth, char? closing)
    {
        while (true)
        {
            if (_current.Kind == PrototxtTokenKind.End)
            {
                if (closing is null) return;
                throw Error(_current, $"missing '{closing}' before the end of the file");
            }
            if (closing is char close && _current.IsSymbol(close))
            {
                Take();
                return;
            }
            ParseField(message, depth);
            if (_current.IsSymbol(',') || _current.IsSymbol(';')) Take();
        }
    }

    private void ParseField(IMessage message, int depth)
    {
        PrototxtToken name = Take();
        if (name.Kind != PrototxtTokenKind.Identifier) throw Error(name, $"expected a field name, found {Describe(name)}");
        MessageDescriptor descriptor = message.Descriptor;
        FieldDescriptor field = descriptor.FindFieldByName(name.Text)
            ?? throw Error(name, $"unknown field '{name.Text}' in {descriptor.FullName}{UnknownFieldHint(name.Text)}");
        bool colon = _current.IsSymbol(':');
        if (colon) Take();
        if (field.FieldType != FieldType.Message && !colon) throw Error(_current, $"expected ':' after '{name.Text}'");
        if (_current.IsSymbol('['))
        {
            if (!field.IsRepeated) throw Error(_current, $"field '{name.Text}' is not repeated, so it takes no list");
            Take();
            if (_current.IsSymbol(']'))
            {
                Take();
                return;
            }
            while (true)
            {
                Add(message, field, name, ReadValue(field, depth));
                PrototxtToken separator = Take();
                if (separator.IsSymbol(']')) return;
                if (!separator.IsSymbol(',')) throw Error(separator, $"expected ',' or ']' in the list of '{name.Text}', found {Describe(separator)}");
            }
        }
        Add(message, field, name, ReadValue(field, depth));
    }

    private void Add(IMessage message, FieldDescriptor field, PrototxtToken name, object value)
    {
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
            return;
        }
        if (field.Accessor.HasValue(message)) throw Error(name, $"field '{name.Text}' is not repeated but is given more than once");
        field.Accessor.SetValue(message, value);
    }

    private object ReadValue(FieldDescriptor field, int depth)
    {
        if (field.FieldType == FieldType.Message) return ReadMessage(field, depth);
        PrototxtToken start = _current;
        return field.FieldType switch
        {
            FieldType.Float => (float)ReadFloatingPoint(field),
            FieldType.Double => ReadFloatingPoint(field),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int)ReadInteger(field, int.MinValue, int.MaxValue),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)ReadInteger(field, long.MinValue, long.MaxValue),
            FieldType.UInt32 or FieldType.Fixed32 => (uint)ReadInteger(field, 0, uint.MaxValue),
            FieldType.UInt64 or FieldType.Fixed64 => (ulong)ReadInteger(field, 0, ulong.MaxValue),
            FieldType.Bool => ReadBool(field),
            FieldType.String => Encoding.UTF8.GetString(ReadStringBytes(field)),
            FieldType.Bytes => ByteString.CopyFrom(ReadStringBytes(field)),
            FieldType.Enum => ReadEnum(field),
            _ => throw Error(start, $"field '{field.Name}' has a type ({field.FieldType}) the reader does not support"),
        };
    }

    private IMessage ReadMessage(FieldDescriptor field, int depth)
    {
        PrototxtToken open = Take();
        char closing = open.IsSymbol('{') ? '}' : open.IsSymbol('<') ? '>' : throw Error(open, $"expected '{{' to open '{field.Name}', found {Describe(open)}");
        if (depth + 1 > MaxDepth) throw Error(open, $"messages nested deeper than {MaxDepth} levels");
        var child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
        ParseFields(child, depth + 1, closing);
        return child;
    }

    private double ReadFloatingPoint(FieldDescriptor field)
    {
        (bool negative, PrototxtToken token, _) = ReadSigned();
        double magnitude;
        if (token.Kind == PrototxtTokenKind.Identifier)
        {
            magnitude = token.Text.ToLowerInvariant() switch
            {
                "inf" or "infinity" => double.PositiveInfinity,
                "nan" => double.NaN,
                _ => throw Error(token, $"expected a number for '{field.Name}', found '{token.Text}'"),
            };
        }
        else if (token.Kind == PrototxtTokenKind.Number)
        {
            string text = token.Text.TrimEnd('f', 'F');
            if (IsRadixInteger(text)) magnitude = ParseUnsigned(token, field);
            else if (!double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out magnitude))
                throw Error(token, $"'{token.Text}' is not a number (field '{field.Name}')");
        }
        else throw Error(token, $"expected a number for '{field.Name}', found {Describe(token)}");
        return negative ? -magnitude : magnitude;
    }

    /// <summary>An integer within [min, max], returned as a 128-bit value so both signed and unsigned ranges fit.</summary>
    private Int128 ReadInteger(FieldDescriptor field, Int128 min, Int128 max)
    {
        (bool negative, PrototxtToken token, PrototxtToken start) = ReadSigned();
        if (token.Kind != PrototxtTokenKind.Number) throw Error(token, $"expected an integer for '{field.Name}', found {Describe(token)}");
        Int128 value = ParseUnsigned(token, field);
        if (negative) value = -value;
        if (value < min || value > max) throw Error(start, $"{(negative ? "-" : "")}{token.Text} is out of range for '{field.Name}' ({field.FieldType}: {min} to {max})");
        return value;
    }

    private static bool IsRadixInteger(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.All(char.IsAsciiDigit);

    /// <summary>Decimal, 0x hexadecimal or 0-prefixed octal, as in C and protobuf's text format.</summary>
    private ulong ParseUnsigned(PrototxtToken token, FieldDescriptor field)
    {
        string text = token.Text;
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            : text.Length > 1 && text[0] == '0' ? TryParseOctal(text, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok) throw Error(token, $"'{text}' is not an integer in range (field '{field.Name}')");
        return value;
    }

    private static bool TryParseOctal(string text, out ulong value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '7' || value > ulong.MaxValue >> 3) return false;
            value = value << 3 | (uint)(c - '0');
        }
        return true;
    }

    /// <summary>A value with an optional sign; <c>Start</c> is where it begins (the sign, if any), for errors.</summary>
    private (bool Negative, PrototxtToken Token, PrototxtToken Start) ReadSigned()
    {
        PrototxtToken start = _current;
        bool negative = false;
        if (start.IsSymbol('-') || start.IsSymbol('+')) negative = Take().Text == "-";
        return (negative, Take(), start);
    }

    private bool ReadBool(FieldDescriptor field)
    {
        PrototxtToken token = Take();
        return token.Text switch
        {
            "true" or "True" or "t" or "1" => true,
            "false" or "False" or "f" or "0" => false,
            _ => throw Error(token, $"expected true or false for '{field.Name}', found {Describe(token)}"),
        };
    }

    /// <summary>One or more adjacent quoted strings, concatenated as protobuf's text format does.</summary>
    private byte[] ReadStringBytes(FieldDescriptor field)
    {
        if (_current.Kind != PrototxtTokenKind.String) throw Error(_current, $"expected a quoted string for '{field.Name}', found {Describe(_current)}");
        var text = new StringBuilder();
        while (_current.Kind == PrototxtTokenKind.String) text.Append(Take().Text);
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    private object ReadEnum(FieldDescriptor field)
    {
        EnumDescriptor type = field.EnumType;
        (bool negative, PrototxtToken token, PrototxtToken start) = ReadSigned();
        EnumValueDescriptor? value = token.Kind switch
        {
            PrototxtTokenKind.Identifier when !negative => type.FindValueByName(token.Text),
            PrototxtTokenKind.Number => type.FindValueByNumber((int)ReadEnumNumber(token, negative, field)),
            _ => throw Error(token, $"expected a value of {type.FullName} for '{field.Name}', found {Describe(token)}"),
        };
        if (value is null)
        {
            string known = string.Join(", ", type.Values.Select(v => v.Name));
            throw Error(start, $"'{(negative ? "-" : "")}{token.Text}' is not a value of {type.FullName} (one of {known})");
        }
        return Enum.ToObject(type.ClrType, value.Number);
    }

    private long ReadEnumNumber(PrototxtToken token, bool negative, FieldDescriptor field)
    {
        ulong magnitude = ParseUnsigned(token, field);
        if (magnitude > int.MaxValue) throw Error(token, $"{token.Text} is out of range for enum '{field.Name}'");
        return negative ? -(long)magnitude : (long)magnitude;
    }

    /// <summary>caffe.proto here holds the parameters of the layers the converter supports, so an unknown *_param usually means an unsupported layer.</summary>
    private static string UnknownFieldHint(string name) =>
        name.EndsWith("_param", StringComparison.Ordinal) ? " (the parameters of a layer type the converter does not support)" : "";

    private PrototxtToken Take()
    {
        PrototxtToken token = _current;
        if (token.Kind != PrototxtTokenKind.End) _current = _tokens.Next();
        return token;
    }

    private CaffeFormatException Error(PrototxtToken at, string message) => _tokens.Error(at.Line, at.Column, message);

    private static string Describe(PrototxtToken token) => token.Kind switch
    {
        PrototxtTokenKind.End => "the end of the file",
        PrototxtTokenKind.String => "a string",
        _ => $"'{token.Text}'",
    };
}
