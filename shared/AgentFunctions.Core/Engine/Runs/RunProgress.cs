namespace AgentFunctions.Engine.Runs;

/// <summary>The live progress a running orchestration publishes (Durable custom status): steps so far and what it waits for.</summary>
public sealed record RunProgress(RunStatus Status, IReadOnlyList<RunStep> Steps, RunUsage Usage, string? PendingApprovalCallId, string? PendingApprovalTool);
