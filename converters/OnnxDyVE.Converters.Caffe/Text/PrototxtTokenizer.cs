using System.Text;

namespace OnnxDyVE.Converters.Caffe.Text;

/// <summary>
/// Splits protobuf text format into tokens: identifiers, numbers, quoted strings (escapes decoded), symbols;
/// '#' comments and whitespace are skipped. Tokens are bounded in length so a hostile file cannot make one
/// huge token; strings are bounded by the file itself, which the parser caps.
/// </summary>
internal sealed class PrototxtTokenizer
{
    /// <summary>No identifier or number in a Caffe net comes near this; longer ones are malformed input.</summary>
    public const int MaxWordLength = 256;

    private readonly string _text;
    private readonly string _file;
    private int _position;
    private int _line = 1;
    private int _column = 1;

    public PrototxtTokenizer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public CaffeFormatException Error(int line, int column, string message) => new($"{_file}:{line}:{column}: {message}");

    public PrototxtToken Next()
    {
        SkipWhitespaceAndComments();
        int line = _line, column = _column;
        if (_position >= _text.Length) return new PrototxtToken(PrototxtTokenKind.End, "", line, column);
        char c = _text[_position];
        if (c is '"' or '\'') return new PrototxtToken(PrototxtTokenKind.String, ReadString(c, line, column), line, column);
        if (char.IsAsciiLetter(c) || c == '_') return new PrototxtToken(PrototxtTokenKind.Identifier, ReadWord(line, column, number: false), line, column);
        if (char.IsAsciiDigit(c) || (c == '.' && _position + 1 < _text.Length && char.IsAsciiDigit(_text[_position + 1])))
            return new PrototxtToken(PrototxtTokenKind.Number, ReadWord(line, column, number: true), line, column);
        if ("{}[]<>:,;-+".Contains(c))
        {
            Advance();
            return new PrototxtToken(PrototxtTokenKind.Symbol, c.ToString(), line, column);
        }
        throw Error(line, column, $"unexpected character '{Printable(c)}'");
    }

    private void SkipWhitespaceAndComments()
    {
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n') Advance();
            }
            else if (char.IsWhiteSpace(c)) Advance();
            else return;
        }
    }

    /// <summary>
    /// An identifier, or a number with its exponent and suffix ("1e-5", "0x1F", "1.5f"): a sign inside a
    /// number is only taken right after an exponent marker of a decimal number.
    /// </summary>
    private string ReadWord(int line, int column, bool number)
    {
        int start = _position;
        bool hex = number && _text.AsSpan(_position).StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        while (_position < _text.Length)
        {
            char c = _text[_position];
            bool signAfterExponent = number && !hex && c is '+' or '-' && _position > start && _text[_position - 1] is 'e' or 'E';
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (number && c == '.') || signAfterExponent)) break;
            Advance();
            if (_position - start > MaxWordLength) throw Error(line, column, $"{(number ? "number" : "identifier")} longer than {MaxWordLength} characters");
        }
        return _text[start.._position];
    }

    /// <summary>
    /// A quoted string with C escapes. Escapes may produce arbitrary bytes (octal, hex), so the result holds
    /// bytes as Latin-1 characters; the parser turns it into UTF-8 text or bytes as the field needs.
    /// </summary>
    private string ReadString(char quote, int line, int column)
    {
        Advance();
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_position >= _text.Length || _text[_position] == '\n') throw Error(line, column, "string is not closed on its line");
            char c = _text[_position];
            if (c == quote)
            {
                Advance();
                return Encoding.Latin1.GetString(bytes.ToArray());
            }
            if (c != '\\')
            {
                Rune.DecodeFromUtf16(_text.AsSpan(_position), out Rune rune, out int consumed);
                int length = rune.EncodeToUtf8(utf8);
                for (int i = 0; i < length; i++) bytes.Add(utf8[i]);
                for (int i = 0; i < consumed; i++) Advance();
                continue;
            }
            int escapeLine = _line, escapeColumn = _column;
            Advance();
            if (_position >= _text.Length) throw Error(escapeLine, escapeColumn, "string ends inside an escape");
            bytes.Add(ReadEscape(escapeLine, escapeColumn));
        }
    }

    private byte ReadEscape(int line, int column)
    {
        char e = _text[_position];
        Advance();
        switch (e)
        {
            case 'n': return (byte)'\n';
            case 't': return (byte)'\t';
            case 'r': return (byte)'\r';
            case 'a': return 7;
            case 'b': return 8;
            case 'f': return 12;
            case 'v': return 11;
            case '\\' or '\'' or '"' or '?': return (byte)e;
            case 'x' or 'X':
                return (byte)ReadDigits(16, 2, line, column);
            case >= '0' and <= '7':
                _position--;
                _column--;
                int value = ReadDigits(8, 3, line, column);
                if (value > 255) throw Error(line, column, "octal escape above \\377");
                return (byte)value;
            default:
                throw Error(line, column, $"unknown escape '\\{Printable(e)}'");
        }
    }

    private int ReadDigits(int radix, int maxDigits, int line, int column)
    {
        int value = 0, digits = 0;
        while (digits < maxDigits && _position < _text.Length && DigitValue(_text[_position]) is int d && d < radix)
        {
            value = value * radix + d;
            digits++;
            Advance();
        }
        if (digits == 0) throw Error(line, column, radix == 16 ? "\\x escape without hex digits" : "escape without digits");
        return value;
    }

    private static int? DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => null,
    };

    private void Advance()
    {
        if (_text[_position] == '\n')
        {
            _line++;
            _column = 1;
        }
        else _column++;
        _position++;
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();
}
