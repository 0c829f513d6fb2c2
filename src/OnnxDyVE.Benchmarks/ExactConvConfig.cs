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
        AddJob(FixedIterations("ExactConv"));
        AddColumn(new ConvShapeColumn(), new GflopsColumn());
        // The default config that BenchmarkSwitcher merges in already exports GitHub Markdown (and CSV, HTML);
        // adding MarkdownExporter.GitHub again only draws a duplicate-exporter warning.
    }

    /// <summary>One launch, 3 warm-up and 10 measured iterations, no unrolling.</summary>
    public static Job FixedIterations(string id) =>
        Job.Default.WithId(id).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithUnrollFactor(1);
}

/// <summary><see cref="ExactConvConfig"/>'s job for layers of real models, which the shape columns do not know.</summary>
internal sealed class RealLayerConfig : ManualConfig
{
    public RealLayerConfig() => AddJob(ExactConvConfig.FixedIterations("RealLayer"));
}
