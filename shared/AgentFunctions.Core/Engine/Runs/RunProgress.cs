namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The live progress a running orchestration publishes (Durable custom status): steps so far and what it waits for.
/// <see cref="OwnUsage"/> and <see cref="Model"/> let a cancel bill what the run itself had used by then.
/// </summary>
public sealed record RunProgress(RunStatus Status, IReadOnlyList<RunStep> Steps, RunUsage Usage, string? PendingApprovalCallId, string? PendingApprovalTool,
    RunUsage? OwnUsage = null, string? Model = null);
