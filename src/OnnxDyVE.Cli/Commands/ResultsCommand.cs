using System.CommandLine;
using OnnxDyVE.Models;
using OnnxDyVE.Reports;

namespace OnnxDyVE.Cli.Commands;

/// <summary>
/// <c>dyve results --json-dir D -o docs/results.md</c>: the paper's table from the JSON files of
/// <c>build/paper-table.sh</c> (<see cref="PaperTable"/>), headed by this machine's description and the date.
/// </summary>
internal static class ResultsCommand
{
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo>("--json-dir") { Description = "Folder of <model>__t<threads>__<variant>.bench.json (and .features.json) files, and notes.md", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The Markdown page to write", Required = true };
        var command = new Command("results", "Write the paper's table (Markdown) from the JSON files dyve bench and dyve features wrote") { folder, output };
        command.SetAction(result =>
        {
            try
            {
                string[] order;
                try { order = [.. ModelCatalog.Default.Models.Select(m => m.Name)]; }
                catch (Exception e) when (e is IOException or FormatException or InvalidDataException) { order = []; }
                IReadOnlyList<PaperTable.Row> rows = PaperTable.Write(result.GetValue(folder)!.FullName, result.GetValue(output)!.FullName,
                    MachineDescription.Describe(), DateTimeOffset.UtcNow, order);
                Console.WriteLine($"{result.GetValue(output)!.FullName}: {rows.Count} rows");
                return 0;
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"dyve results: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
