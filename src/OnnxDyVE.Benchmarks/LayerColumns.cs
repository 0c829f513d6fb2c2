using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using OnnxDyVE.Graph;

namespace OnnxDyVE.Benchmarks;

/// <summary>
/// A column computed from the conv layer a benchmark case runs, named by its <c>Layer</c> parameter
/// (see <see cref="RealLayers"/>).
/// </summary>
internal abstract class ConvLayerColumn : IColumn
{
    public const string LayerParameter = "Layer";

    public abstract string Id { get; }
    public abstract string ColumnName { get; }
    public abstract string Legend { get; }
    public abstract bool IsNumeric { get; }
    public abstract int PriorityInCategory { get; }
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public UnitType UnitType => UnitType.Dimensionless;

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        benchmarkCase.Parameters[LayerParameter] is string name ? GetValue(summary, benchmarkCase, RealLayers.Convolution(name)) : "?";

    protected abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase, ConvLayer layer);

    public override string ToString() => ColumnName;
}

/// <summary>Input, kernel, stride, pad and output of the layer, so the table reads without the source.</summary>
internal sealed class ConvShapeColumn : ConvLayerColumn
{
    public override string Id => nameof(ConvShapeColumn);
    public override string ColumnName => "Shape";
    public override string Legend => "C x H x W of the input, kernel, stride, pad -> M x Ho x Wo of the output (batch 1, bias, ReLU)";
    public override bool IsNumeric => false;
    public override int PriorityInCategory => 0;

    protected override string GetValue(Summary summary, BenchmarkCase benchmarkCase, ConvLayer layer) => RealLayers.Describe(layer);
}

/// <summary>Throughput: the convolution's multiplies and adds over the mean time.</summary>
internal sealed class GflopsColumn : ConvLayerColumn
{
    public override string Id => nameof(GflopsColumn);
    public override string ColumnName => "GFLOP/s";
    public override string Legend => "2 x M x C/group x kH x kW x Ho x Wo (bias and ReLU not counted) over Mean, in 10^9 per second";
    public override bool IsNumeric => true;
    public override int PriorityInCategory => 1;

    protected override string GetValue(Summary summary, BenchmarkCase benchmarkCase, ConvLayer layer)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        // Operations per nanosecond are 10^9 operations per second.
        return meanNanoseconds is > 0 ? (RealLayers.FloatingPointOperations(layer) / meanNanoseconds.Value).ToString("F1", CultureInfo.InvariantCulture) : "NA";
    }
}
