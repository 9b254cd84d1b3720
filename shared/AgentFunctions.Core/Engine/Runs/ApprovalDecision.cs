namespace AgentFunctions.Engine.Runs;

/// <summary>The payload of an approval event: a person approved or rejected a pending tool call.</summary>
public sealed record ApprovalDecision(bool Approved, string? Reason, string? UserId);
