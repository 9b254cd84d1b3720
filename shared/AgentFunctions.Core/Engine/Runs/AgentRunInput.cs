using AgentFunctions.Common;

namespace AgentFunctions.Engine.Runs;

/// <summary>The input of one agent run orchestration. <see cref="RunId"/> is also the orchestration instance id.</summary>
public sealed record AgentRunInput(
    TenantId Tenant,
    string RunId,
    string AgentId,
    string UserId,
    string? SessionId,
    string Message,
    string? ParentRunId = null,
    int Depth = 0)
{
    /// <summary>The trace context of the run's start: every activity's span joins that trace, every log its request id.</summary>
    public Observability.TraceContext? Trace { get; init; }
}
