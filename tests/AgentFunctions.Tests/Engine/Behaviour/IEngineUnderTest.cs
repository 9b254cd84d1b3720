using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Documents;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>
/// The agent loop on one runner, as the behaviour suite drives it: the same store, tool doubles and scripted model,
/// and either the local replaying runner or the real Durable Task engine behind <see cref="IOrchestrationClient"/>.
/// </summary>
public interface IEngineUnderTest : IAsyncDisposable
{
    TenantId Tenant { get; }

    Caller Caller { get; }

    FileDocumentStore Store { get; }

    RecordingToolExecutor Tools { get; }

    FakeToolCatalog Catalog { get; }

    RunService Runs { get; }

    IOrchestrationClient Orchestrations { get; }

    /// <summary>Makes <paramref name="duration"/> pass for the run: the manual clock locally, real time on Durable.</summary>
    Task ElapseAsync(TimeSpan duration);

    /// <summary>Each tool call takes <paramref name="duration"/> of the run's clock.</summary>
    void ToolCallsTake(TimeSpan duration);

    /// <summary>Stops the worker like a killed process (no clean shutdown of the run), then starts a new one on the same state.</summary>
    Task CrashAndRestartAsync();

    Task<Agent> SeedAgentAsync(string? systemPrompt = null, IReadOnlyList<string>? tools = null, AgentLimits? limits = null, string? agentId = null);

    Task<Run> WaitFinishedAsync(string runId);

    /// <summary>Waits until the runner's history holds <paramref name="count"/> completed activities of the run.</summary>
    Task WaitActivitiesRecordedAsync(string runId, int count);

    Task<RunProgress> WaitProgressAsync(string runId, Func<RunProgress, bool> condition);
}

/// <summary>How a suite test wants its engine: the approval timeout (seconds of the run's clock).</summary>
public sealed record EngineSetup(int ApprovalTimeoutSeconds = 600, Action<FakeToolCatalog>? Catalog = null);

public static class EngineUnderTestExtensions
{
    public static Task<Run> StartAsync(this IEngineUnderTest engine, string agentId, string message) =>
        engine.Runs.StartAsync(engine.Caller, agentId, message, null);
}
