using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OnnxDyVE.Fuzz.Tests.Support;

/// <summary>What one fuzz target promises for every input: a time limit, and a limit on managed allocation that may grow with the input's size.</summary>
/// <param name="AllocationBase">Bytes any input may allocate.</param>
/// <param name="AllocationPerInputByte">Further bytes per byte of input.</param>
/// <param name="AllThreads">Count allocations of every thread (ORT runs kernels on its own pool), not only the worker's.</param>
internal sealed record FuzzLimits(TimeSpan PerInput, long AllocationBase, long AllocationPerInputByte, bool AllThreads = false)
{
    public long AllocationLimit(long inputBytes) => AllocationBase + AllocationPerInputByte * inputBytes;
}

/// <summary>One generated input: its bytes (for the size limit and to keep it when it fails) and how it was made.</summary>
internal sealed record FuzzInput<T>(T Value, long Size, string Origin, Func<byte[]> Bytes);

/// <summary>
/// A seeded, bounded fuzz run of one target. Every input is made from its own Random (campaign seed, iteration),
/// so a failing iteration is reproduced alone; it runs on a fresh thread with a time limit, and its managed
/// allocation is measured around it. An input passes when the target returns, or throws one of the exception
/// types it documents; anything else, a time-out or allocation past the limit fails the campaign. Failing inputs
/// are written to the temp folder (onnxdyve-fuzz/) so they can be replayed and turned into regression tests.
/// </summary>
internal sealed class FuzzCampaign<T>(string target, FuzzLimits limits, Func<Exception, bool> isDocumented)
{
    public int Accepted { get; private set; }
    public int Rejected { get; private set; }
    public long MaxAllocated { get; private set; }
    public TimeSpan MaxTime { get; private set; }
    public List<string> Failures { get; } = [];
    /// <summary>Rejections by exception type and the first words of the message, to see which checks the inputs reach.</summary>
    public ConcurrentDictionary<string, int> RejectionKinds { get; } = new();

    /// <summary>Runs <paramref name="iterations"/> inputs from <paramref name="generate"/> through <paramref name="body"/>.</summary>
    public FuzzCampaign<T> Run(int iterations, int seed, Func<Random, FuzzInput<T>> generate, Action<T> body)
    {
        for (int i = 0; i < iterations && Failures.Count < 20; i++)
        {
            // Not HashCode.Combine: it is randomised per process, and a failure must replay.
            var random = new Random(unchecked(seed * 1_000_003 + i));
            FuzzInput<T> input = generate(random);
            RunOne(input, body, $"{target} seed {seed} iteration {i} ({input.Origin})");
        }
        return this;
    }

    private void RunOne(FuzzInput<T> input, Action<T> body, string where)
    {
        Exception? thrown = null;
        long allocated = 0;
        var watch = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            long before = limits.AllThreads ? GC.GetTotalAllocatedBytes(precise: false) : GC.GetAllocatedBytesForCurrentThread();
            try
            {
                body(input.Value);
            }
            catch (Exception e)
            {
                thrown = e;
            }
            allocated = (limits.AllThreads ? GC.GetTotalAllocatedBytes(precise: false) : GC.GetAllocatedBytesForCurrentThread()) - before;
        }, maxStackSize: 4 << 20) { IsBackground = true, Name = $"fuzz {target}" };
        worker.Start();
        if (!worker.Join(limits.PerInput))
        {
            // The thread cannot be stopped; it is a background thread, so it does not keep the test host alive.
            Fail(input, where, $"still running after {limits.PerInput.TotalSeconds:0.#} s (hang)");
            return;
        }
        watch.Stop();
        if (watch.Elapsed > MaxTime) MaxTime = watch.Elapsed;
        if (allocated > MaxAllocated) MaxAllocated = allocated;
        long limit = limits.AllocationLimit(input.Size);
        if (allocated > limit)
        {
            Fail(input, where, $"allocated {allocated:N0} bytes, above the limit of {limit:N0} for {input.Size:N0} input bytes"
                + (thrown is null ? "" : $" (then threw {thrown.GetType().Name}: {thrown.Message})"));
            return;
        }
        if (thrown is null)
        {
            Accepted++;
            return;
        }
        if (isDocumented(thrown))
        {
            Rejected++;
            RejectionKinds.AddOrUpdate($"{thrown.GetType().Name}: {Gist(thrown.Message)}", 1, (_, n) => n + 1);
            return;
        }
        Fail(input, where, $"threw {thrown.GetType().FullName}: {thrown.Message}\n{thrown.StackTrace}");
    }

    private void Fail(FuzzInput<T> input, string where, string what)
    {
        string kept = "";
        try
        {
            string folder = Path.Combine(Path.GetTempPath(), "onnxdyve-fuzz");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, $"{target}-{Failures.Count}-{Environment.ProcessId}.bin");
            File.WriteAllBytes(path, input.Bytes());
            kept = $" [input kept in {path}]";
        }
        catch (IOException) { }
        Failures.Add($"{where}: {what}{kept}");
    }

    /// <summary>The message with numbers and quoted names removed, so that rejections group by check.</summary>
    private static string Gist(string message)
    {
        var gist = new StringBuilder();
        bool quoted = false;
        // ONNX Runtime's messages start with its own context; the operator's part starts at the node's kind.
        int dyve = message.IndexOf("Dyve", StringComparison.Ordinal);
        foreach (char c in dyve > 0 ? message[dyve..] : message)
        {
            if (c is '\'' or '"') quoted = !quoted;
            else if (!quoted && !char.IsAsciiDigit(c)) gist.Append(c);
            if (gist.Length >= 70) break;
        }
        return gist.ToString();
    }

    /// <summary>Passes when no input failed; the message lists failures and, for the log, what was accepted and rejected.</summary>
    public void AssertClean(int minimumRejected = 1)
    {
        Assert.True(Failures.Count == 0, $"{Failures.Count} fuzz input(s) of {target} failed:\n{string.Join("\n", Failures)}");
        Assert.True(Rejected >= minimumRejected, $"{target}: only {Rejected} of {Accepted + Rejected} inputs were rejected; the mutations do not reach the checks");
    }

    public string Summary()
    {
        string head = string.Create(CultureInfo.InvariantCulture,
            $"{target}: {Accepted + Rejected} inputs, {Accepted} accepted, {Rejected} rejected, max {MaxAllocated / 1e6:0.0} MB allocated, max {MaxTime.TotalMilliseconds:0} ms");
        return head + "\n  " + string.Join("\n  ", RejectionKinds.OrderByDescending(k => k.Value).Take(25).Select(k => $"{k.Value,5} {k.Key}"));
    }
}

/// <summary>How many inputs a campaign runs: the CI count times <c>ONNXDYVE_FUZZ_SCALE</c> (default 1), from seed <c>ONNXDYVE_FUZZ_SEED</c> (default fixed).</summary>
internal static class FuzzBudget
{
    public static int Iterations(int ciCount)
    {
        string? scale = Environment.GetEnvironmentVariable("ONNXDYVE_FUZZ_SCALE");
        return scale is not null && double.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) && factor > 0
            ? (int)Math.Max(1, ciCount * factor)
            : ciCount;
    }

    public static int Seed(int ciSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("ONNXDYVE_FUZZ_SEED"), out int seed) ? seed : ciSeed;
}
