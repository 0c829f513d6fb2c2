using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// Few, fixed iterations, so that 31 layers x 2 thread counts x 2 paths fit in about half an hour on a 2-core
/// machine. Each call takes from tens of microseconds to tens of milliseconds, so unrolling buys nothing.
/// </summary>
internal sealed class ExactConvConfig : ManualConfig
{
    public ExactConvConfig()
    {
        AddJob(Job.Default
            .WithId("ExactConv")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithUnrollFactor(1));
        AddColumn(new ConvShapeColumn(), new GflopsColumn());
        // The default config that BenchmarkSwitcher merges in already exports GitHub Markdown (and CSV, HTML);
        // adding MarkdownExporter.GitHub again only draws a duplicate-exporter warning.
    }
}
