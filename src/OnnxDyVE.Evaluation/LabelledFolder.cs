using System.Globalization;

namespace OnnxDyVE.Evaluation;

/// <summary>One labelled image: its file and its class index.</summary>
public readonly record struct LabelledImage(string Path, int Label);

/// <summary>
/// A folder of images with a <c>labels.txt</c>: one line per image, <c>&lt;relative path&gt; &lt;class index&gt;</c>
/// (the format of the shared data sets). Blank lines are skipped; anything else malformed is an error that
/// names the file and line.
/// </summary>
public static class LabelledFolder
{
    public const string LabelsFile = "labels.txt";

    /// <summary>The first <paramref name="limit"/> images (all when null), in the file's order.</summary>
    public static IReadOnlyList<LabelledImage> Read(string folder, int? limit = null)
    {
        if (limit is <= 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be positive");
        string labels = System.IO.Path.Combine(folder, LabelsFile);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"data folder {folder} does not exist");
        if (!File.Exists(labels)) throw new FileNotFoundException($"{folder} has no {LabelsFile} (lines of '<relative path> <class index>')", labels);

        var images = new List<LabelledImage>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(labels))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            int split = line.TrimEnd().LastIndexOf(' ');
            if (split <= 0 || !int.TryParse(line.AsSpan(split + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int label))
                throw new FormatException($"{labels}:{lineNumber}: expected '<relative path> <class index>', got '{line}'");
            string relative = line[..split].Trim();
            string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, relative));
            if (!path.StartsWith(System.IO.Path.GetFullPath(folder), StringComparison.Ordinal))
                throw new FormatException($"{labels}:{lineNumber}: '{relative}' points outside the data folder");
            images.Add(new LabelledImage(path, label));
            if (images.Count == limit) break;
        }
        if (images.Count == 0) throw new FormatException($"{labels} lists no images");
        return images;
    }
}
