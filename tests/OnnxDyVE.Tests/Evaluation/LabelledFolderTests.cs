using OnnxDyVE.Evaluation;

namespace OnnxDyVE.Tests.Evaluation;

public sealed class LabelledFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnxdyve-labels-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void WriteLabels(string text) => File.WriteAllText(Path.Combine(_folder, LabelledFolder.LabelsFile), text);

    [Fact]
    public void Reads_paths_with_spaces_and_skips_blank_lines_up_to_the_limit()
    {
        WriteLabels("cat/a b.png 3\n\nbird/c.png 0\ndog/d.png 5\n");
        IReadOnlyList<LabelledImage> all = LabelledFolder.Read(_folder);
        Assert.Equal([(Path.Combine(_folder, "cat", "a b.png"), 3), (Path.Combine(_folder, "bird", "c.png"), 0), (Path.Combine(_folder, "dog", "d.png"), 5)],
            all.Select(i => (i.Path, i.Label)));
        Assert.Equal(2, LabelledFolder.Read(_folder, limit: 2).Count);
    }

    [Theory]
    [InlineData("a.png\n", ":1:")]
    [InlineData("a.png 1\nb.png x\n", ":2:")]
    [InlineData("a.png -1\n", ":1:")]
    [InlineData("../outside.png 1\n", "outside the data folder")]
    [InlineData("\n\n", "lists no images")]
    public void Malformed_lines_name_the_file_and_line(string text, string expected)
    {
        WriteLabels(text);
        var error = Assert.Throws<FormatException>(() => LabelledFolder.Read(_folder));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_folder_without_labels_says_what_it_needs()
    {
        var error = Assert.Throws<FileNotFoundException>(() => LabelledFolder.Read(_folder));
        Assert.Contains("labels.txt", error.Message);
    }
}
