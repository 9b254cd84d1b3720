using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// One durable execution of an agent for one input. Created as <see cref="RunStatus.Running"/> when accepted and
/// closed once, atomically with its messages, tool executions and usage, when the orchestration finishes.
/// While it runs, live steps come from the orchestration's progress (<see cref="RunProgress"/>).
/// </summary>
public sealed record Run(
    string Id,
    TenantId TenantId,
    string AgentId,
    int AgentVersion,
    string UserId,
    AgentScope Scope,
    string TeamId,
    string? SessionId,
    string? ParentRunId,
    RunStatus Status,
    string Input,
    string? Answer,
    string? Reason,
    IReadOnlyList<RunStep> Steps,
    IReadOnlyList<ToolCallRecord> ToolCalls,
    IReadOnlyList<Citation> Citations,
    RunUsage Usage,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt) : IDocument
{
    public static string Kind => "run";

    public bool IsFinished => Status.IsFinal();
}
