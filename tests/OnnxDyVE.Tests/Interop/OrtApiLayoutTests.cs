using Microsoft.ML.OnnxRuntime;
using OnnxDyVE.Interop;
using OnnxDyVE.Tests.Support;

namespace OnnxDyVE.Tests.Interop;

/// <summary>
/// The interop calls ONNX Runtime through raw slot indices and fills OrtCustomOp by position; a wrong index
/// calls the wrong function with the wrong arguments. These tests derive both layouts from the C header of the
/// package the tests run against and hold the interop's tables to them.
/// </summary>
public sealed class OrtApiLayoutTests
{
    private static readonly Lazy<string> HeaderText = new(() => File.ReadAllText(OrtCApiHeader.Locate()));

    private static IReadOnlyList<string> ApiSlots() => OrtCApiHeader.ApiSlots(HeaderText.Value);

    [Fact]
    public void Header_parse_finds_the_1_31_table()
    {
        IReadOnlyList<string> slots = ApiSlots();

        // Landmarks from the 1.31 header: a parse that miscounts any member form shifts all of them.
        Assert.Equal(428, slots.Count);
        Assert.Equal("CreateStatus", slots[0]);
        Assert.Equal("ReleaseStatus", slots[93]);
        Assert.Equal("KernelContext_ParallelFor", slots[274]);
        Assert.Equal("GetTensorElementTypeAndShapeDataReference", slots[414]);
        Assert.Equal(slots.Count, slots.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_slot_the_interop_uses_is_at_the_header_index()
    {
        IReadOnlyList<string> slots = ApiSlots();
        Assert.NotEmpty(OrtApiSlots.All);
        var wrong = new List<string>();
        foreach ((string name, int index) in OrtApiSlots.All.OrderBy(entry => entry.Value))
        {
            int actual = IndexOf(slots, name);
            if (actual != index)
                wrong.Add(actual < 0 ? $"{name}: interop {index}, not in the header" : $"{name}: interop {index}, header {actual}");
        }
        Assert.True(wrong.Count == 0, "OrtApi slots disagree with the header:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Custom_op_fields_match_the_header_in_order()
    {
        IReadOnlyList<string> fields = OrtCApiHeader.CustomOpFields(HeaderText.Value);

        Assert.Equal(25, fields.Count);
        Assert.Equal("CreateKernel", fields[0]);
        Assert.Equal(fields, OrtCustomOpSlots.Names);
    }

    [Fact]
    public void A_registrations_operator_struct_starts_with_the_OrtCustomOp()
    {
        // ORT hands every callback the OrtCustomOp pointer it was given; the callbacks read the fields after it.
        Assert.Equal(0, (int)System.Runtime.InteropServices.Marshal.OffsetOf<OnnxDyVE.Operators.DyveCustomOp>(nameof(OnnxDyVE.Operators.DyveCustomOp.Op)));
    }

    [Fact]
    public void Loaded_runtime_is_the_version_the_header_describes()
    {
        // The slot indices are only valid for a library that has every slot the interop uses; the package pins
        // the library, so the library must report the package's version.
        string loaded = OrtEnv.Instance().GetVersionString();
        Assert.Equal(OrtCApiHeader.PackageVersion, loaded);
    }

    private static int IndexOf(IReadOnlyList<string> slots, string name)
    {
        for (int i = 0; i < slots.Count; i++)
            if (string.Equals(slots[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }
}
