namespace AgentFunctions.Engine.Runs;

/// <summary>The data of a stream's <c>status</c> event (e.g. the run now waits for an approval).</summary>
public sealed record RunStatusChanged(string RunId, RunStatus Status, string? PendingApprovalCallId, string? PendingApprovalTool);
