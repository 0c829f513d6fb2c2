using Google.Protobuf;

namespace OnnxDyVE.Rewrite.Tests;

/// <summary>What a rewrite must keep (interface, names, metadata, value_info) and that a second rewrite changes nothing.</summary>
public sealed class ModelPreservationTests
{
    private static ModelProto Network()
    {
        var builder = new ModelBuilder(seed: 9);
        string x = builder.Input("x", 1, 3, 8, 8);
        string y = builder.Node("Conv", "conv", [x, builder.Weights("w", [4, 3, 3, 3])], OnnxProto.Ints("pads", 1, 1, 1, 1));
        y = builder.BatchNorm("bn", y, 4);
        y = builder.Node("Relu", "relu", [y]);
        y = builder.Node("GlobalAveragePool", "pool", [y]);
        y = builder.Node("Flatten", "flatten", [y]);
        y = builder.Node("Gemm", "fc", [y, builder.Weights("fc_w", [4, 5]), builder.Weights("fc_b", [5])]);
        builder.Graph.ValueInfo.Add(OnnxProto.FloatValue("conv", [1, 4, 8, 8]));
        builder.Graph.ValueInfo.Add(OnnxProto.FloatValue("pool", [1, 4, 1, 1]));
        builder.Graph.Initializer.Add(OnnxProto.FloatScalar("unused", 1f));
        ModelProto model = builder.Output(y, [1, 5]).Build();
        model.MetadataProps.Add(new StringStringEntryProto { Key = "preprocessing", Value = "{\"mean\":[104,117,123]}" });
        model.DocString = "a test network";
        return model;
    }

    [Fact]
    public void Interface_names_metadata_and_value_info_survive()
    {
        ModelProto original = Network();

        ModelProto rewritten = DyveRewriter.Rewrite(original).Model;

        // The inputs stay, first and in order; the effort input, which has a default, follows them.
        Assert.Equal(original.Graph.Input, rewritten.Graph.Input.Take(original.Graph.Input.Count));
        Assert.Equal([EffortInput.Name], rewritten.Graph.Input.Skip(original.Graph.Input.Count).Select(i => i.Name));
        Assert.Equal(original.Graph.Output, rewritten.Graph.Output);
        Assert.Equal(original.MetadataProps, rewritten.MetadataProps);
        Assert.Equal(original.DocString, rewritten.DocString);
        Assert.Equal(["conv", "pool", "flatten", "fc"], rewritten.Graph.Node.Select(n => n.Name));
        // value_info of a tensor that still exists is kept; that of one fused away is dropped.
        Assert.Equal(["pool"], rewritten.Graph.ValueInfo.Select(v => v.Name));
        // An initializer unused before the rewrite is not the rewrite's business.
        Assert.Contains(rewritten.Graph.Initializer, t => t.Name == "unused");
        Assert.Contains(rewritten.OpsetImport, o => o.Domain == DyveSchema.Domain && o.Version == DyveSchema.OpsetVersion);
        Assert.Equal(13, rewritten.OpsetImport.Single(o => o.Domain == "").Version);
    }

    [Fact]
    public void The_input_model_is_not_modified()
    {
        ModelProto original = Network();
        byte[] before = original.ToByteArray();

        DyveRewriter.Rewrite(original);

        Assert.Equal(before, original.ToByteArray());
    }

    [Fact]
    public void Rewriting_a_rewritten_model_changes_nothing()
    {
        ModelProto once = DyveRewriter.Rewrite(Network()).Model;

        RewriteResult twice = DyveRewriter.Rewrite(once);

        Assert.Equal(once.ToByteArray(), twice.Model.ToByteArray());
        Assert.Empty(twice.Report.Rewritten);
        Assert.Equal(2, twice.Report.Skipped.Count(s => s.Reason == "already a DyVE operator"));
    }

    [Fact]
    public void A_model_with_nothing_to_rewrite_comes_back_unchanged()
    {
        var builder = new ModelBuilder();
        builder.Output(builder.Node("Relu", "relu", [builder.Input("x", 2, 3)]));
        ModelProto original = builder.Build();

        RewriteResult result = DyveRewriter.Rewrite(original);

        Assert.Equal(original, result.Model);
        Assert.Equal("no DyVE operator for Relu", Assert.Single(result.Report.Skipped).Reason);
    }

    [Fact]
    public void Subgraphs_are_left_alone_and_what_they_read_is_kept()
    {
        var builder = new ModelBuilder();
        string x = builder.Input("x", 1, 2, 4, 4);
        string y = builder.Node("Conv", "conv", [x, builder.Weights("w", [2, 2, 1, 1])]);
        y = builder.Node("Relu", "relu", [y]);
        var branch = new GraphProto { Name = "branch" };
        branch.Node.Add(OnnxProto.Node("Identity", "", "inner", ["conv"], ["branch_out"], []));
        branch.Output.Add(OnnxProto.FloatValue("branch_out", null));
        var otherBranch = branch.Clone();
        builder.Graph.Node.Add(OnnxProto.Node("If", "", "if", [builder.Input("cond")], ["chosen"],
            [new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch },
             new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherBranch }]));
        ModelProto model = builder.Output(y).Output("chosen").Build();

        RewriteResult result = DyveRewriter.Rewrite(model);

        // The If body reads the Conv's output, so the Relu cannot swallow it.
        Assert.Equal([DyveSchema.ConvOp, "Relu", "If"], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Equal("conv", result.Model.Graph.Node[0].Output[0]);
        Assert.Equal(2, result.Report.SubgraphCount);
    }
}
