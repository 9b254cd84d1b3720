using AgentFunctions.Agents;
using AgentFunctions.Common;

namespace AgentFunctions.Engine.Runs;

/// <summary>The final state of a run, written by the CompleteRun activity in one atomic batch.</summary>
public sealed record RunCompletion(
    AgentRunInput Run,
    string Model,
    RunStatus Status,
    string? Answer,
    string? Reason,
    IReadOnlyList<RunStep> Steps,
    IReadOnlyList<ToolCallRecord> ToolCalls,
    IReadOnlyList<Citation> Citations,
    RunUsage Usage,
    RunUsage OwnUsage,
    DateTimeOffset StartedAt,
    int AgentVersion = 0,
    AgentScope Scope = AgentScope.User,
    string TeamId = "")
{
    public TenantId Tenant => Run.Tenant;
}
