using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers;

/// <summary>
/// A trigger's running state, apart from the trigger so that a tick or a poll never races a user's PATCH: the timer's
/// last fired instant, the poll's last result, the last error and counts. Id equals the trigger id.
/// </summary>
public sealed record TriggerState(
    string Id,
    TenantId TenantId,
    DateTimeOffset? LastEventAt = null,
    DateTimeOffset? LastFiredInstant = null,
    DateTimeOffset? LastPollAt = null,
    string? LastError = null,
    DateTimeOffset? LastErrorAt = null,
    int ConsecutiveFailures = 0,
    DateTimeOffset? NextPollAt = null,
    long EventCount = 0,
    long DroppedCount = 0,
    long DuplicateCount = 0) : IDocument
{
    public static string Kind => "trigger_state";
}
