using System.Text;
using System.Text.RegularExpressions;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>
/// Seeded mutations of protobuf text (a prototxt), stacked one to four at a time and aimed at what a Caffe net
/// reader must survive: numbers replaced by boundary values, field names and layer types swapped for others,
/// lines deleted or duplicated, stray symbols, quotes and escapes, deep nesting, and plain byte damage.
/// </summary>
internal static partial class TextMutator
{
    private static readonly string[] InterestingNumbers =
    [
        "0", "1", "-1", "2", "3", "7", "64", "1048576", "1048577", "2147483647", "2147483648", "-2147483648", "4294967296",
        "9223372036854775807", "99999999999999999999999", "0x7fffffff", "0xffffffffffffffff", "077", "08", "1e309", "-1e-45",
        "nan", "inf", "-inf", "1.5", ".5", "1e", "0x", "-0",
    ];

    private static readonly string[] LayerTypes =
    [
        "Convolution", "Pooling", "InnerProduct", "ReLU", "LRN", "Softmax", "Dropout", "Concat", "Eltwise", "Flatten", "Reshape",
        "BatchNorm", "Scale", "Crop", "Input", "Split", "Sigmoid", "TanH", "Data", "Accuracy", "SoftmaxWithLoss", "Deconvolution",
        "CONVOLUTION", "POOLING", "INNER_PRODUCT", "RELU", "CONCAT", "ELTWISE", "SPLIT",
    ];

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", "<", ">", ":", ",", ";", "-", "+", "\"", "'", "\\", "#", "\n", "\"\\x\"", "\"\\777\"", "\"\\u1234\"",
        "top: \"data\"", "bottom: \"data\"", "bottom: \"nowhere\"", "top: \"conv1\"", "pad: 1000000", "kernel_size: 0", "stride: 0",
        "num_output: 0", "group: 3", "axis: -5", "dim: 0", "dim: -1", "shape { dim: 1 dim: 3 dim: 1000000 dim: 1000000 }",
        "input_dim: 1048576", "pool: STOCHASTIC", "operation: MAX", "coeff: 1 coeff: 2 coeff: 3",
    ];

    public static string Mutate(string seed, Random random)
    {
        string text = seed;
        // Mostly one mutation: a prototxt broken in four places rarely gets past the parser to the converter.
        int count = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 4 };
        for (int i = 0; i < count; i++) text = MutateOnce(text, random);
        return text;
    }

    private static string MutateOnce(string text, Random random)
    {
        int kind = random.Next(100);
        // Numbers replaced keep the syntax and reach the converter's checks: the most frequent mutation.
        if (kind < 40) return ReplaceOne(text, NumberPattern(), random, _ => InterestingNumbers[random.Next(InterestingNumbers.Length)]);
        if (kind < 50) return ReplaceOne(text, TypePattern(), random, _ => $"type: \"{LayerTypes[random.Next(LayerTypes.Length)]}\"");
        if (kind < 58)
        {
            // A field name replaced by another name from the same file: the right syntax in the wrong place.
            MatchCollection names = FieldNamePattern().Matches(text);
            if (names.Count == 0) return text;
            string other = names[random.Next(names.Count)].Groups[1].Value;
            return ReplaceOne(text, FieldNamePattern(), random, m => other + m.Value[m.Groups[1].Length..]);
        }
        if (kind < 73)
        {
            var lines = text.Split('\n').ToList();
            int line = random.Next(lines.Count);
            if (random.Next(2) == 0) lines.RemoveAt(line);
            else lines.InsertRange(random.Next(lines.Count + 1), lines.GetRange(line, Math.Min(1 + random.Next(12), lines.Count - line)));
            return string.Join('\n', lines);
        }
        if (kind < 85) return text.Insert(random.Next(text.Length + 1), Fragments[random.Next(Fragments.Length)]);
        if (kind < 90)
        {
            if (text.Length == 0) return text;
            int at = random.Next(text.Length);
            return text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(16)));
        }
        if (kind < 93)
        {
            // Deep nesting, around and past the parser's depth limit.
            int depth = random.Next(3) switch { 0 => 63, 1 => 65, _ => 1 + random.Next(200) };
            return text.Insert(random.Next(text.Length + 1), "layer_param { " + string.Concat(Enumerable.Repeat("shape { ", depth)));
        }
        return Encoding.UTF8.GetString(ByteMutator.Mutate(Encoding.UTF8.GetBytes(text), random));
    }

    private static string ReplaceOne(string text, Regex pattern, Random random, Func<Match, string> replacement)
    {
        MatchCollection matches = pattern.Matches(text);
        if (matches.Count == 0) return text;
        Match match = matches[random.Next(matches.Count)];
        return string.Concat(text.AsSpan(0, match.Index), replacement(match), text.AsSpan(match.Index + match.Length));
    }

    [GeneratedRegex(@"(?<![\w.])-?[0-9][0-9.eE+\-xXa-fA-F]*")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"type:\s*(""[^""]*""|[A-Z_]+)")]
    private static partial Regex TypePattern();

    [GeneratedRegex(@"\b([a-z_]+)\s*[:{]")]
    private static partial Regex FieldNamePattern();
}
