namespace AgentFunctions.Engine.Runs;

/// <summary>A run as a list shows it: what it ran, where it stands and what it cost; steps and answer are on GET /runs/{id}.</summary>
public sealed record RunSummary(
    string Id,
    string AgentId,
    int AgentVersion,
    string? SessionId,
    string? ParentRunId,
    string UserId,
    RunStatus Status,
    string? Reason,
    RunUsage Usage,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt)
{
    public static RunSummary From(Run run, RunStatus status) =>
        new(run.Id, run.AgentId, run.AgentVersion, run.SessionId, run.ParentRunId, run.UserId, status, run.Reason, run.Usage, run.CreatedAt, run.EndedAt);
}
