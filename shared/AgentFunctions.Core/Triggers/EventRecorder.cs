using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers;

/// <summary>
/// The dedupe marker of an event: its id is derived from what caused the event (<see cref="EventIds"/>), and it names
/// the event, whose own id sorts by time so the events list pages newest first. Both are written in one batch.
/// </summary>
public sealed record TriggerEventKey(string Id, TenantId TenantId, string EventId, string TriggerId) : IDocument
{
    public static string Kind => "trigger_event_key";
}

/// <summary>What recording an event found: the event (new or the one recorded before) and whether it was a duplicate.</summary>
public sealed record RecordedEvent(string EventId, bool Duplicate, TriggerEventStatus? Status)
{
    /// <summary>Whether the event should (still) go on the bus: new, still queued, or its first writer not yet durable.</summary>
    public bool NeedsPublish => !Duplicate || Status is null or TriggerEventStatus.Queued;
}

public static class EventRecorder
{
    /// <summary>
    /// Records <paramref name="e"/> under the dedupe key <paramref name="key"/> unless that key has an event already.
    /// <paramref name="e"/>'s id is replaced by a time-ordered one.
    /// </summary>
    public static async Task<RecordedEvent> RecordAsync(ITenantDocuments documents, TriggerEvent e, string key, CancellationToken cancellationToken)
    {
        var recorded = e with { Id = Ids.NewSortable("evt", e.Timestamp) };
        try
        {
            await documents.CommitAsync(
            [
                TypedDocuments.Write(DocumentWriteMode.Create, documents, new TriggerEventKey(key, documents.Tenant, recorded.Id, e.TriggerId)),
                TypedDocuments.Write(DocumentWriteMode.Create, documents, recorded),
            ], cancellationToken).ConfigureAwait(false);
            return new RecordedEvent(recorded.Id, Duplicate: false, TriggerEventStatus.Queued);
        }
        catch (DocumentConflictException)
        {
            var existing = await documents.GetAsync<TriggerEventKey>(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                // The other writer's batch is not durable yet; its event id is not known here. It will publish its own.
                return new RecordedEvent(string.Empty, Duplicate: true, Status: null);
            }
            var original = await documents.GetAsync<TriggerEvent>(existing.Value.EventId, cancellationToken).ConfigureAwait(false);
            return new RecordedEvent(existing.Value.EventId, Duplicate: true, original?.Value.Status);
        }
    }
}
