using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// Where one shared listener is in its source: the newest item time seen (<see cref="Watermark"/>) and the ids seen at
/// exactly that time, so items with equal timestamps are neither lost nor repeated; or, for a source with its own
/// position (Gmail's historyId), <see cref="Token"/>. A failed poll leaves the position where it was and says so.
/// </summary>
public sealed record ListenerCursor(
    string Id,
    TenantId TenantId,
    string System,
    bool Initialized,
    DateTimeOffset? Watermark,
    IReadOnlyList<string> IdsAtWatermark,
    string? Token,
    IReadOnlyList<string> RecentIds,
    DateTimeOffset? LastPollAt,
    DateTimeOffset? NextPollAt,
    string? LastError,
    int ConsecutiveFailures,
    long PollCount,
    IReadOnlyList<string>? TriggerIds = null) : IDocument
{
    public static string Kind => "listener_cursor";

    public static ListenerCursor New(string id, TenantId tenant, string system) => new(id, tenant, system, false, null, [], null, [], null, null, null, 0, 0);
}

/// <summary>One new item a poll found. <see cref="Timestamp"/> is null for sources without one (ids alone dedupe).</summary>
public sealed record PolledItem(string Id, DateTimeOffset? Timestamp, System.Text.Json.JsonElement Payload);

/// <summary>What one poll found, and where the listener stands after it.</summary>
public sealed record PollResult(IReadOnlyList<PolledItem> NewItems, ListenerCursor Cursor);
