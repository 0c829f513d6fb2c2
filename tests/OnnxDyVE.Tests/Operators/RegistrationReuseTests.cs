using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxDyVE.Graph;
using OnnxDyVE.Operators;

namespace OnnxDyVE.Tests.Operators;

/// <summary>Runs alone: which domain a registration gets depends on every other registration in the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RegistrationCollection
{
    public const string Name = "DyVE registrations";
}

/// <summary>
/// The native structs AppendDyVE registers are reused once the options they were added to are collected and the
/// sessions made with them are gone, so a process that makes options per session holds as many registrations as it
/// has alive, not as many as it ever made; a registration whose session lives on is not reused under it.
/// </summary>
[Collection(RegistrationCollection.Name)]
public sealed unsafe class RegistrationReuseTests
{
    /// <summary>
    /// The first registration enters the domain in ONNX Runtime's process-wide table with a session of its own, so that
    /// sessions created at once on several threads never race to enter it (SessionOptionsExtensions.RegisterDomainWithOrt).
    /// </summary>
    [Fact]
    public void The_domain_is_entered_in_onnx_runtime_before_options_are_returned()
    {
        using SessionOptions options = new SessionOptions().AppendDyVE();
        Assert.True(SessionOptionsExtensions.DomainRegisteredWithOrt);
    }

    [Fact]
    public void Options_made_and_dropped_reuse_their_registrations()
    {
        int before = DyveDomain.Created;
        const int Options = 200, Batch = 20;
        for (int i = 0; i < Options; i++)
        {
            RegisterAndDrop();
            if (i % Batch == Batch - 1) Collect();
        }
        // Without reuse every options object makes a domain (200); with it, one batch's worth at most.
        int made = DyveDomain.Created - before;
        Assert.True(made <= Batch, $"{made} domains made for {Options} options registered and dropped in batches of {Batch}");
    }

    [Fact]
    public void A_registration_whose_session_lives_is_not_reused_until_the_session_is_gone()
    {
        (InferenceSession session, nint handle, long registration) = SessionWithDroppedOptions();
        float[] input = new float[2 * 5 * 5];
        using (session)
        {
            Collect();
            // The options are gone, the session's kernel is not: no new options may get its domain.
            var held = new List<SessionOptions>();
            try
            {
                for (int i = 0; i < 30; i++)
                {
                    SessionOptions options = new SessionOptions().AppendDyVE();
                    held.Add(options);
                    Assert.NotEqual(handle, (nint)SessionOptionsExtensions.DomainOf(options).Handle);
                    Assert.True(SessionOptionsExtensions.RegistrationOf(options) > registration);
                }
            }
            finally
            {
                held.ForEach(o => o.Dispose());
            }
            Run(session, input);
        }
        Collect();
        // Its session disposed, the domain is free: it serves new options, under a new number.
        var again = new List<SessionOptions>();
        try
        {
            bool reused = false;
            for (int i = 0; i < 60 && !reused; i++)
            {
                SessionOptions options = new SessionOptions().AppendDyVE();
                again.Add(options);
                reused = (nint)SessionOptionsExtensions.DomainOf(options).Handle == handle;
                if (reused) Assert.NotEqual(registration, SessionOptionsExtensions.RegistrationOf(options));
            }
            Assert.True(reused, "the domain of a disposed session's collected options was not reused");
        }
        finally
        {
            again.ForEach(o => o.Dispose());
        }
    }

    [Fact]
    public void A_reused_registration_counts_only_its_own_sessions_work()
    {
        ModelProto model = ConvModel($"reuse_{Guid.NewGuid():N}");
        var handles = new HashSet<nint>();
        const int Rounds = 4;
        for (int round = 0; round < Rounds; round++)
        {
            (nint handle, long runs) = RunsCountedInFreshOptions(model, runs: round + 1);
            Assert.Equal(round + 1, runs);
            handles.Add(handle);
            Collect();
        }
        Assert.True(handles.Count < Rounds, "no registration was reused: every round's options got a new domain");
    }

    /// <summary>A session in options of its own, run <paramref name="runs"/> times; its domain and the runs its statistics count.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (nint Handle, long Runs) RunsCountedInFreshOptions(ModelProto model, int runs)
    {
        using var options = new SessionOptions().AppendDyVE();
        using var session = new InferenceSession(model.ToByteArray(), options);
        float[] input = new float[2 * 5 * 5];
        for (int run = 0; run < runs; run++) Run(session, input);
        DyveNodeStatistics statistics = Assert.Single(DyveStatistics.Snapshot(options));
        return ((nint)SessionOptionsExtensions.DomainOf(options).Handle, statistics.Counters.Runs);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterAndDrop()
    {
        using var options = new SessionOptions();
        options.AppendDyVE();
    }

    /// <summary>A session of a one-conv model whose options were registered, disposed and dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (InferenceSession Session, nint Handle, long Registration) SessionWithDroppedOptions()
    {
        using var options = new SessionOptions().AppendDyVE();
        var session = new InferenceSession(ConvModel($"held_{Guid.NewGuid():N}").ToByteArray(), options);
        return (session, (nint)SessionOptionsExtensions.DomainOf(options).Handle, SessionOptionsExtensions.RegistrationOf(options));
    }

    private static ModelProto ConvModel(string nodeName)
    {
        var layer = new ConvLayer(1, 2, 5, 5, 3, 3, 3) { HasBias = true };
        ModelProto model = LayerModels.Conv(layer, 1, LayerPaths.Dyve);
        model.Graph.Node[0].Name = nodeName;
        return model;
    }

    private static void Run(InferenceSession session, float[] input)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, [1, 2, 5, 5]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
