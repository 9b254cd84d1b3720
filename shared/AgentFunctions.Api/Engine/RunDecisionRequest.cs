namespace AgentFunctions.Api.Engine;

/// <summary>Optional body of approve/reject/cancel: which pending call (defaults to the one the run waits for) and why.</summary>
public sealed record RunDecisionRequest(string? CallId = null, string? Reason = null);
