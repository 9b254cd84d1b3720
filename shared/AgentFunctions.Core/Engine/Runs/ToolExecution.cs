using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>The audit record of one tool call of a run. Id is <c>{runId}.{n}</c>; written with the run's final batch.</summary>
public sealed record ToolExecution(
    string Id,
    TenantId TenantId,
    string RunId,
    string AgentId,
    string Tool,
    string ArgumentsJson,
    ToolCallOutcome Outcome,
    string? Result,
    string? Error,
    int Attempts,
    double DurationMs,
    DateTimeOffset At) : IDocument
{
    public static string Kind => "tool_execution";
}
