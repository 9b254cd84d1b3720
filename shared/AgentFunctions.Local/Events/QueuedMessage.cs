using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Observability;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Events;

/// <summary>
/// One message waiting in the local queue, kept in the platform partition of the file store (durable across kill -9).
/// Its id is topic and message id, so publishing the same message while it waits is one message. Deleted on success;
/// after <see cref="LocalEventBus.MaxAttempts"/> failures it stays, dead-lettered, with the reason.
/// <see cref="Trace"/> is the publisher's trace context: the consumer's span continues that trace.
/// </summary>
public sealed record QueuedMessage(
    string Id,
    TenantId TenantId,
    string Topic,
    string MessageId,
    JsonElement Body,
    DateTimeOffset EnqueuedAt,
    int Attempts,
    bool DeadLettered,
    string? LastError,
    TraceContext? Trace = null) : IDocument
{
    public static string Kind => "queued_message";
}
