using ShellProgressBar;

namespace OnnxDyVE.Cli;

/// <summary>
/// Progress of a long loop: a progress bar on a terminal, and a plain line per tenth of the work when the
/// output is redirected (a log or CI), where a bar's control characters would be noise.
/// </summary>
internal sealed class ProgressDisplay : IProgress<int>, IDisposable
{
    private readonly int _total;
    private readonly string _label;
    private readonly ProgressBar? _bar;
    private int _lastTenth;

    public ProgressDisplay(int total, string label)
    {
        _total = total;
        _label = label;
        if (!Console.IsOutputRedirected)
            _bar = new ProgressBar(total, label, new ProgressBarOptions { ProgressCharacter = '-', CollapseWhenFinished = true });
    }

    public void Report(int done)
    {
        if (_bar is not null)
        {
            _bar.Tick(done, $"{_label}: {done}/{_total}");
            return;
        }
        int tenth = (int)(10L * done / Math.Max(1, _total));
        if (tenth == _lastTenth) return;
        _lastTenth = tenth;
        Console.WriteLine($"{_label}: {done}/{_total}");
    }

    public void Dispose() => _bar?.Dispose();
}
