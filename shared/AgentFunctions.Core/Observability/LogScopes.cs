using Microsoft.Extensions.Logging;

namespace AgentFunctions.Observability;

/// <summary>
/// The log scope every log line inside a unit of work carries: request_id (from the trace), tenant_id, agent_id,
/// session_id, run_id, trigger_id, event_id, whichever are known. Only ids: never a payload or a secret.
/// </summary>
public static class LogScopes
{
    /// <param name="requestId">
    /// The request id the work carries (a run's, from its orchestration input): it wins over the ambient trace's, which
    /// inside a run may be a host's own span, or none after a restart resumed the run.
    /// </param>
    public static IDisposable? BeginPlatformScope(this ILogger logger, string? tenantId = null, string? agentId = null, string? sessionId = null,
        string? runId = null, string? triggerId = null, string? eventId = null, string? requestId = null)
    {
        var scope = new PlatformLogScope();
        if ((requestId ?? PlatformTelemetry.CurrentRequestId()) is { } request) scope.Add(new("request_id", request));
        if (tenantId is not null) scope.Add(new("tenant_id", tenantId));
        if (agentId is not null) scope.Add(new("agent_id", agentId));
        if (sessionId is not null) scope.Add(new("session_id", sessionId));
        if (runId is not null) scope.Add(new("run_id", runId));
        if (triggerId is not null) scope.Add(new("trigger_id", triggerId));
        if (eventId is not null) scope.Add(new("event_id", eventId));
        return logger.BeginScope(scope);
    }

    /// <summary>A request id alone (the HTTP edge, before anything else is known).</summary>
    public static IDisposable? BeginRequestScope(this ILogger logger, string requestId) =>
        logger.BeginScope(new PlatformLogScope { new("request_id", requestId) });
}

/// <summary>Scope state: structured fields for JSON and OpenTelemetry, "request_id:..., run_id:..." for a readable console.</summary>
public sealed class PlatformLogScope : List<KeyValuePair<string, object?>>
{
    public override string ToString() => string.Join(", ", this.Select(p => $"{p.Key}:{p.Value}"));
}
