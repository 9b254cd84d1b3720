namespace AgentFunctions.Engine.Runs;

/// <summary>A run as the API shows it: the stored record, with live progress merged in while it runs.</summary>
public sealed record RunView(
    string Id,
    string AgentId,
    int AgentVersion,
    string? SessionId,
    string? ParentRunId,
    RunStatus Status,
    string? Answer,
    string? Reason,
    IReadOnlyList<RunStep> Steps,
    IReadOnlyList<ToolCallRecord> ToolCalls,
    IReadOnlyList<Citation> Citations,
    RunUsage Usage,
    string? PendingApprovalCallId,
    string? PendingApprovalTool,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt)
{
    public static RunView From(Run run, RunProgress? progress = null) =>
        progress is null || run.IsFinished
            ? new(run.Id, run.AgentId, run.AgentVersion, run.SessionId, run.ParentRunId, run.Status, run.Answer, run.Reason, run.Steps,
                run.ToolCalls, run.Citations, run.Usage, null, null, run.CreatedAt, run.EndedAt)
            : new(run.Id, run.AgentId, run.AgentVersion, run.SessionId, run.ParentRunId, progress.Status.IsFinal() ? RunStatus.Running : progress.Status,
                null, null, progress.Steps, run.ToolCalls, run.Citations, progress.Usage, progress.PendingApprovalCallId, progress.PendingApprovalTool,
                run.CreatedAt, null);
}
