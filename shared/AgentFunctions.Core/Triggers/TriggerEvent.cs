using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers;

public enum TriggerEventStatus
{
    Queued,
    Started,
    Dropped,
}

/// <summary>
/// One thing that happened at a trigger's source. Its id comes from what caused it (a webhook-id, a scheduled instant,
/// a polled item), so the same delivery twice is one event. The run it started, or why it was dropped, is kept on it.
/// </summary>
public sealed record TriggerEvent(
    string Id,
    TenantId TenantId,
    string TriggerId,
    string AgentId,
    TriggerSystem System,
    DateTimeOffset Timestamp,
    JsonElement Payload,
    TriggerEventStatus Status,
    string? RunId,
    string? DropReason,
    string SourceKey,
    DateTimeOffset RecordedAt,
    int DispatchAttempts = 0) : IDocument
{
    public static string Kind => "trigger_event";
}

/// <summary>The bus message for a recorded event: just enough to find it again. Names its own topic.</summary>
public sealed record TriggerEventReceived(TenantId Tenant, string EventId, string TriggerId) : IBusMessage
{
    public static string Topic => "trigger-events";

    public string MessageId => EventId;
}
