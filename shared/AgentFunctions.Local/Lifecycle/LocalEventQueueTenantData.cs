using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Lifecycle;
using AgentFunctions.Local.Events;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Lifecycle;

/// <summary>
/// The tenant's messages waiting in the local bus's durable queue (platform partition, <see cref="QueuedMessage"/>), dead
/// letters included. Each message body names its tenant (<c>tenant</c>). Not exported: the events they point at are.
/// </summary>
public sealed class LocalEventQueueTenantData(IDocumentStore store) : ITenantDataStore
{
    public string Name => "event_queue";

    public TenantDataStage Stage => TenantDataStage.Intake;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public async Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var queue = store.For(TenantId.Platform);
        long removed = 0;
        string? continuation = null;
        do
        {
            var page = await queue.QueryPageAsync(QueuedMessage.Kind, [], new DocumentPageRequest(100, continuation), cancellationToken).ConfigureAwait(false);
            var doomed = page.Items.Where(d => BelongsTo(d, tenant)).Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList();
            foreach (var delete in doomed)
            {
                try
                {
                    await queue.CommitAsync([delete], cancellationToken).ConfigureAwait(false);
                    removed++;
                }
                catch (DocumentMissingException)
                {
                    // Delivered (and removed by the bus) meanwhile.
                }
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return removed;
    }

    private static bool BelongsTo(StoredDocument document, TenantId tenant)
    {
        var message = TypedDocuments.Deserialize<QueuedMessage>(document.Json);
        return message.Body.ValueKind == JsonValueKind.Object
            && message.Body.TryGetProperty("tenant", out var owner) && owner.ValueKind == JsonValueKind.String && owner.GetString() == tenant.Value;
    }
}
