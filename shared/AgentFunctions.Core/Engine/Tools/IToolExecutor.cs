using AgentFunctions.Common;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Executes one validated tool call (builtin, HTTP, agent, MCP) under the tool's policy: timeout, retries,
/// host guard, credential injection through <c>ICredentialAccess</c>, redaction. Never throws for a tool's own
/// failure: that comes back as a failed <see cref="ToolResult"/> the model can read.
/// </summary>
public interface IToolExecutor
{
    Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default);
}

/// <summary>Everything a tool call needs to run and be audited. <see cref="CallId"/> is the idempotency key.</summary>
public sealed record ToolInvocation(
    TenantId Tenant,
    string RunId,
    string AgentId,
    string AgentOwnerId,
    string ToolName,
    string ArgumentsJson,
    string CallId)
{
    /// <summary>The run's trace context (<see cref="Runs.AgentRunInput.Trace"/>).</summary>
    public Observability.TraceContext? Trace { get; init; }
}

/// <summary>
/// What a tool call gave back. <see cref="RecordedArguments"/>, when set, is what the run must record instead of the
/// arguments it holds: they held a value of a credential the call used, now scrubbed.
/// </summary>
public sealed record ToolResult(bool Succeeded, string Content, string? Error, int Attempts, TimeSpan Duration, string? RecordedArguments = null)
{
    public static ToolResult Failure(string error, int attempts = 0, TimeSpan duration = default) =>
        new(false, error, error, attempts, duration);
}
