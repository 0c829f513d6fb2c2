using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace OnnxDyVE.Tests.Support;

/// <summary>
/// The C API header of the ONNX Runtime package the tests are built against, read as the C compiler lays it out:
/// the order of the members of <c>struct OrtApi</c> is the function table, and that of <c>struct OrtCustomOp</c> is
/// the custom-op record the interop fills in.
/// </summary>
internal static partial class OrtCApiHeader
{
    private const string HeaderInPackage = "build/native/include/onnxruntime_c_api.h";

    /// <summary>The version of the referenced Microsoft.ML.OnnxRuntime package, e.g. "1.31.1".</summary>
    public static string PackageVersion { get; } = FindPackageVersion();

    /// <summary>The header's path; throws, naming the places searched, when it is not there.</summary>
    public static string Locate()
    {
        var roots = new List<string>();
        string? fromEnvironment = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(fromEnvironment)) roots.Add(fromEnvironment);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));

        var searched = new List<string>();
        foreach (string root in roots)
        {
            string path = Path.Combine(root, "microsoft.ml.onnxruntime", PackageVersion, HeaderInPackage);
            if (File.Exists(path)) return path;
            searched.Add(path);
        }
        throw new FileNotFoundException(
            $"The ONNX Runtime C API header was not found; looked in: {string.Join("; ", searched)}. " +
            "Restore the test project (dotnet restore) or set NUGET_PACKAGES to the NuGet package folder.");
    }

    /// <summary>Names of the OrtApi function table's slots, in order (index = slot).</summary>
    public static IReadOnlyList<string> ApiSlots(string headerText)
    {
        var slots = new List<string>();
        foreach (string member in Members(headerText, "OrtApi"))
        {
            Match match = ApiSlotPattern().Match(member);
            if (!match.Success)
                throw new FormatException($"struct OrtApi member {slots.Count} is in no known form: {Abbreviate(member)}");
            slots.Add(match.Groups["status"].Success ? match.Groups["status"].Value
                : match.Groups["release"].Success ? "Release" + match.Groups["release"].Value
                : match.Groups["typed"].Success ? match.Groups["typed"].Value
                : match.Groups["pointer"].Value);
        }
        return slots;
    }

    /// <summary>Names of OrtCustomOp's function-pointer fields, in order, after its leading version field.</summary>
    public static IReadOnlyList<string> CustomOpFields(string headerText)
    {
        IReadOnlyList<string> members = Members(headerText, "OrtCustomOp");
        if (members.Count == 0 || !VersionFieldPattern().IsMatch(members[0]))
            throw new FormatException("struct OrtCustomOp does not start with uint32_t version");
        var fields = new List<string>();
        foreach (string member in members.Skip(1))
        {
            Match match = FunctionPointerPattern().Match(member);
            if (!match.Success)
                throw new FormatException($"struct OrtCustomOp field {fields.Count + 1} is not a function pointer: {Abbreviate(member)}");
            fields.Add(match.Groups["name"].Value);
        }
        return fields;
    }

    /// <summary>
    /// The member declarations of <c>struct <paramref name="name"/> { ... };</c>, comments removed. Members end
    /// at a ';' outside parentheses; neither struct has nested braces or preprocessor lines in 1.31.
    /// </summary>
    private static IReadOnlyList<string> Members(string headerText, string name)
    {
        string text = StripComments(headerText);
        Match start = Regex.Match(text, @"\bstruct\s+" + Regex.Escape(name) + @"\s*\{");
        if (!start.Success) throw new FormatException($"struct {name} {{ not found in the header");

        var members = new List<string>();
        int depth = 0;
        int memberStart = start.Index + start.Length;
        for (int i = memberStart; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '{':
                    throw new FormatException($"struct {name} has a nested brace at offset {i}; the parser expects none");
                case '#' when depth == 0 && text[memberStart..i].Trim().Length == 0:
                    throw new FormatException($"struct {name} has a preprocessor line at offset {i}; the parser expects none");
                case ';' when depth == 0:
                    members.Add(Regex.Replace(text[memberStart..i], @"\s+", " ").Trim());
                    memberStart = i + 1;
                    break;
                case '}' when depth == 0:
                    if (text[memberStart..i].Trim().Length != 0)
                        throw new FormatException($"struct {name} ends with an unterminated member: {Abbreviate(text[memberStart..i])}");
                    return members;
            }
        }
        throw new FormatException($"struct {name} is not closed");
    }

    /// <summary>Removes // and /* */ comments, leaving string and character literals alone.</summary>
    private static string StripComments(string text)
    {
        var result = new System.Text.StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"' || c == '\'')
            {
                int end = i + 1;
                while (end < text.Length && text[end] != c) end += text[end] == '\\' ? 2 : 1;
                end = Math.Min(end, text.Length - 1);
                result.Append(text, i, end - i + 1);
                i = end;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                result.Append('\n');
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new FormatException("unterminated /* comment in the header");
                result.Append(' ');
                i = end + 1;
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    private static string Abbreviate(string text) => text.Length <= 120 ? text : text[..120] + "...";

    private static string FindPackageVersion()
    {
        // The managed assembly carries the package's version, so the header checked is the one shipped with the
        // binaries the tests load.
        string? informational = typeof(InferenceSession).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
            throw new InvalidOperationException("Microsoft.ML.OnnxRuntime carries no informational version");
        return informational.Split('+')[0];
    }

    /// <summary>One OrtApi member: a status function, a release function, a typed function, or a bare pointer.</summary>
    [GeneratedRegex(@"^(?:ORT_API2_STATUS\s*\(\s*(?<status>\w+)\s*,"
        + @"|ORT_CLASS_RELEASE\s*\(\s*(?<release>\w+)\s*\)"
        + @"|ORT_API_T\s*\([^,]+,\s*(?<typed>\w+)\s*[,)]"
        + @"|[^(]*\(\s*ORT_API_CALL\s*\*\s*(?<pointer>\w+)\s*\))")]
    private static partial Regex ApiSlotPattern();

    [GeneratedRegex(@"^[^(]*\(\s*ORT_API_CALL\s*\*\s*(?<name>\w+)\s*\)")]
    private static partial Regex FunctionPointerPattern();

    [GeneratedRegex(@"^uint32_t\s+version$")]
    private static partial Regex VersionFieldPattern();
}
