namespace AgentFunctions.Observability;

/// <summary>
/// What travels with work that leaves the current process or flow (a bus message, a run's orchestration input, an
/// activity input): the W3C trace context, and the request id of the call that caused it, so spans join one trace and
/// logs keep the caller's request id after a hop.
/// </summary>
public sealed record TraceContext(string TraceParent, string? RequestId = null);
