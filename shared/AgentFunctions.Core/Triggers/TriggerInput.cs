namespace AgentFunctions.Triggers;

/// <summary>The create and update body of a trigger. On update, absent fields keep their value.</summary>
public sealed record TriggerInput(TriggerSystem? System = null, string? CredentialId = null, TriggerOptions? Options = null, bool? Active = null);

/// <summary>A trigger as the API shows it, with its health. <see cref="SigningSecret"/> only in the create and rotate answers.</summary>
public sealed record TriggerView(
    string Id,
    string AgentId,
    TriggerSystem System,
    string? CredentialId,
    TriggerOptions Options,
    bool Active,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? WebhookUrl,
    IReadOnlyList<DateTimeOffset>? NextFireTimes,
    TriggerHealth Health,
    string? SigningSecret = null);

/// <summary>How a trigger is doing: what it last did and what went wrong.</summary>
public sealed record TriggerHealth(
    DateTimeOffset? LastEventAt,
    DateTimeOffset? LastPollAt,
    double? LagSeconds,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int ConsecutiveFailures,
    long EventCount,
    long DroppedCount,
    long DuplicateCount);

/// <summary>One event as the API lists it: the run it started or why it was dropped.</summary>
public sealed record TriggerEventView(
    string Id,
    string TriggerId,
    string AgentId,
    TriggerSystem System,
    DateTimeOffset Timestamp,
    TriggerEventStatus Status,
    string? RunId,
    string? DropReason,
    System.Text.Json.JsonElement Payload)
{
    public static TriggerEventView From(TriggerEvent e) => new(e.Id, e.TriggerId, e.AgentId, e.System, e.Timestamp, e.Status, e.RunId, e.DropReason, e.Payload);
}

/// <summary>The webhook intake's answer: 202 before any run work.</summary>
/// <remarks><see cref="EventId"/> is null only for a duplicate whose first delivery is still being recorded this instant.</remarks>
public sealed record WebhookAccepted(string? EventId, bool Duplicate);
