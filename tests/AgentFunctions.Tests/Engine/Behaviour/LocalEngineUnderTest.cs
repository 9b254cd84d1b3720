using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>The local replaying runner on a manual clock (through <see cref="EngineHarness"/>).</summary>
internal sealed class LocalEngineUnderTest : IEngineUnderTest
{
    private readonly ManualTimeProvider clock = new();
    private readonly EngineHarness harness;
    private ObservingJournal journal = null!;

    public LocalEngineUnderTest(EngineSetup setup)
    {
        harness = EngineHarness.Create(clock, wrapJournal: j => journal = new ObservingJournal(j), configure: h =>
        {
            h.Options = new EngineOptions { ApprovalTimeoutSeconds = setup.ApprovalTimeoutSeconds };
            setup.Catalog?.Invoke(h.Catalog);
        });
    }

    public TenantId Tenant => harness.Tenant;

    public Caller Caller => harness.Caller;

    public FileDocumentStore Store => harness.Store;

    public RecordingToolExecutor Tools => harness.Tools;

    public FakeToolCatalog Catalog => harness.Catalog;

    public RunService Runs => harness.Runs;

    public IOrchestrationClient Orchestrations => harness.Runner;

    public Task ElapseAsync(TimeSpan duration)
    {
        clock.Advance(duration);
        return Task.CompletedTask;
    }

    public void ToolCallsTake(TimeSpan duration) => harness.Tools.OnExecute = _ => clock.Advance(duration);

    public Task CrashAndRestartAsync() => harness.RestartAsync(j => journal = new ObservingJournal(j));

    public Task WaitActivitiesRecordedAsync(string runId, int count)
    {
        var seen = 0;
        return journal.WaitForAsync(r => r.InstanceId == runId && r.Type == JournalRecordType.OperationCompleted
            && r.Name.StartsWith("activity:", StringComparison.Ordinal) && ++seen >= count).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task<Agent> SeedAgentAsync(string? systemPrompt = null, IReadOnlyList<string>? tools = null, AgentLimits? limits = null, string? agentId = null) =>
        harness.SeedAgentAsync(systemPrompt, tools, limits, agentId: agentId);

    public Task<Run> WaitFinishedAsync(string runId) => harness.WaitFinishedAsync(runId);

    public Task<RunProgress> WaitProgressAsync(string runId, Func<RunProgress, bool> condition) => harness.WaitProgressAsync(runId, condition);

    public ValueTask DisposeAsync() => harness.DisposeAsync();
}
