using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Models;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Engine;

/// <summary>
/// The engine on real local adapters (file document store, file journal) in a temp folder, with tool doubles and the
/// scripted model. <see cref="RestartAsync"/> disposes runner and store and opens new ones on the same files, as a
/// process restart would. The tool executor double outlives restarts, so it counts side effects across them.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string TeamId = "team_engine";

    private EngineHarness(TimeProvider time, string directory)
    {
        Time = time;
        Directory = directory;
    }

    public TenantId Tenant { get; } = new("ten_engine");

    public Caller Caller { get; } = new(new TenantId("ten_engine"), "usr_owner", Role.Admin, "key_test", [TeamId]);

    public string Directory { get; }

    public TimeProvider Time { get; }

    public RecordingToolExecutor Tools { get; } = new();

    public FakeToolCatalog Catalog { get; } = new();

    public IKnowledgeRetriever Knowledge { get; set; } = new EmptyKnowledgeRetriever();

    public EngineOptions Options { get; set; } = new() { ApprovalTimeoutSeconds = 600 };

    public FileDocumentStore Store { get; private set; } = null!;

    public LocalOrchestrationRunner Runner { get; private set; } = null!;

    public AgentRunActivities Activities { get; private set; } = null!;

    public RunService Runs { get; private set; } = null!;

    /// <summary>The runner compacts its journal past this many bytes (1 compacts at every finished run).</summary>
    public long CompactionThreshold { get; set; } = LocalOrchestrationRunner.CompactionThresholdBytes;

    /// <summary>Extra orchestrations/activities a test registers beside the agent run.</summary>
    public Action<OrchestrationRegistry>? Register { get; set; }

    public static EngineHarness Create(TimeProvider? time = null, Func<IOrchestrationJournal, IOrchestrationJournal>? wrapJournal = null, Action<EngineHarness>? configure = null)
    {
        var harness = new EngineHarness(time ?? TimeProvider.System, Path.Combine(Path.GetTempPath(), "af-engine-" + Guid.NewGuid().ToString("N")));
        configure?.Invoke(harness);
        harness.Open(wrapJournal);
        return harness;
    }

    public void Open(Func<IOrchestrationJournal, IOrchestrationJournal>? wrapJournal = null)
    {
        Store = new FileDocumentStore(Path.Combine(Directory, "documents"));
        var models = new ServiceCollection()
            .AddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey)
            .AddSingleton<IChatModelRouter, ChatModelRouter>()
            .BuildServiceProvider();
        // The activities keep transcripts in the runner's journal, and the runner runs the activities: built in that order.
        var registry = AgentRunActivities.Register(new OrchestrationRegistry(), () => Activities);
        Register?.Invoke(registry);
        var orchestration = Path.Combine(Directory, "orchestration");
        IOrchestrationJournal journal = new FileOrchestrationJournal(orchestration);
        if (wrapJournal is not null) journal = wrapJournal(journal);
        Runner = new LocalOrchestrationRunner(journal, registry, Time, NullLogger.Instance, CompactionThreshold,
            finished: new FinishedInstanceStore(Path.Combine(orchestration, FinishedInstanceStore.FileName)));
        Activities = new AgentRunActivities(Store, Catalog, Tools, models.GetRequiredService<IChatModelRouter>(), Knowledge, Time, Options, NullLogger<AgentRunActivities>.Instance, Runner.Transcript);
        Runs = new RunService(Store, Runner, Time, Options);
    }

    /// <summary>Stops everything like a killed process would (nothing more is written), then starts anew on the same files.</summary>
    public async Task RestartAsync(Func<IOrchestrationJournal, IOrchestrationJournal>? wrapJournal = null, bool resume = true)
    {
        await Runner.DisposeAsync();
        Store.Dispose();
        Open(wrapJournal);
        if (resume) await Runner.ResumeAsync();
    }

    public async Task<Agent> SeedAgentAsync(
        string? systemPrompt = null,
        IReadOnlyList<string>? tools = null,
        AgentLimits? limits = null,
        int memoryWindow = 10,
        string? agentId = null,
        bool knowledge = false)
    {
        var now = Time.GetUtcNow();
        var spec = new AgentSpec("Test agent", null, AgentScope.User, "offline", systemPrompt ?? "You are a test agent.", [],
            tools ?? [FakeToolCatalog.Clock, FakeToolCatalog.Echo, FakeToolCatalog.Guarded],
            knowledge ? new KnowledgeSettings(true) : KnowledgeSettings.Off, memoryWindow, limits ?? AgentLimits.Default);
        var agent = new Agent(agentId ?? Ids.New("agt", 12), Tenant, Caller.UserId, TeamId, true, 1, 1, spec, now, now);
        await Store.For(Tenant).CreateAsync(agent);
        return agent;
    }

    public Task<Run> StartAsync(string agentId, string message, string? sessionId = null) =>
        Runs.StartAsync(Caller, agentId, message, sessionId);

    /// <summary>Waits (on runner notifications, not on time) until the run's orchestration ends, then reads its record.</summary>
    public async Task<Run> WaitFinishedAsync(string runId, TimeSpan? limit = null)
    {
        using var cancel = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(20));
        var state = await Runner.GetStateAsync(runId);
        while (state is not null && !state.IsTerminal)
        {
            state = await WaitChangeAsync(runId, state, cancel.Token);
        }
        var run = (await Store.For(Tenant).GetAsync<Run>(runId))!.Value;
        if (state?.Status == OrchestrationRuntimeStatus.Failed && !run.IsFinished)
        {
            throw new InvalidOperationException($"Run {runId} orchestration failed but its record is {run.Status}: {state.FailureMessage}");
        }
        return run;
    }

    /// <summary>Waits until the run's live progress satisfies <paramref name="condition"/>.</summary>
    public async Task<RunProgress> WaitProgressAsync(string runId, Func<RunProgress, bool> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var state = await Runner.GetStateAsync(runId);
        while (true)
        {
            if (state?.SerializedCustomStatus is { } json)
            {
                var progress = System.Text.Json.JsonSerializer.Deserialize<RunProgress>(json, PlatformJson.Stored)!;
                if (condition(progress)) return progress;
            }
            if (state is null || state.IsTerminal) throw new InvalidOperationException($"Run {runId} ended before the expected progress.");
            state = await WaitChangeAsync(runId, state, cancel.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync();
        Store.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner.
        }
    }

    // The runner's own wait uses the (possibly manual) clock for its deadline; a real-time cap keeps a broken test from hanging.
    private async Task<OrchestrationState?> WaitChangeAsync(string runId, OrchestrationState known, CancellationToken cancellationToken)
    {
        var wait = Runner.WaitForChangeAsync(runId, known, TimeSpan.FromMinutes(10), cancellationToken);
        var finished = await Task.WhenAny(wait, Task.Delay(Timeout.Infinite, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        return await wait;
    }
}
