using System.Collections.Concurrent;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers;

/// <summary>
/// Read-modify-write of a trigger's state. Ticks, polls, dispatches and duplicate deliveries of one trigger all change
/// the one record, often together: taken one at a time, each would read, change and write in turn with a wait for
/// durability in between, and under load most ETag attempts would lose. So the changes waiting for one trigger are
/// taken together: whoever finds no write under way applies every waiting change, in arrival order, to one read of the
/// record and writes it once; the others wait for that write. A lost ETag race (another instance wrote) re-reads and
/// applies the same changes again, so no change is ever dropped; a write that keeps failing fails every waiting caller.
/// </summary>
public static class TriggerStates
{
    private const int MaxAttempts = 50;

    // Keyed by tenant and trigger: ids are unique, so two stores (tests) never share an entry. Removed when idle.
    private static readonly ConcurrentDictionary<(string Tenant, string Trigger), Writer> Writers = new();

    public static async Task UpdateAsync(ITenantDocuments documents, string triggerId, Func<TriggerState, TriggerState> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(change);
        var key = (documents.Tenant.Value, triggerId);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            var writer = Writers.GetOrAdd(key, static _ => new Writer());
            bool lead;
            lock (writer)
            {
                if (writer.Retired) continue; // it went idle and left the table just now: take the next one
                writer.Pending.Add((change, waiting));
                lead = !writer.Writing;
                writer.Writing = true;
            }
            if (lead) await writer.DrainAsync(documents, triggerId, key).ConfigureAwait(false);
            break;
        }
        // Once queued the change is applied whatever the caller's token says; only the wait can be abandoned.
        await waiting.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class Writer
    {
        public readonly List<(Func<TriggerState, TriggerState> Change, TaskCompletionSource Done)> Pending = [];
        public bool Writing;
        public bool Retired;

        public async Task DrainAsync(ITenantDocuments documents, string triggerId, (string, string) key)
        {
            while (true)
            {
                List<(Func<TriggerState, TriggerState> Change, TaskCompletionSource Done)> batch;
                lock (this)
                {
                    if (Pending.Count == 0)
                    {
                        Writing = false;
                        Retired = true;
                        Writers.TryRemove(new KeyValuePair<(string, string), Writer>(key, this));
                        return;
                    }
                    batch = [.. Pending];
                    Pending.Clear();
                }
                try
                {
                    await WriteAsync(documents, triggerId, batch).ConfigureAwait(false);
                    foreach (var item in batch) item.Done.TrySetResult();
                }
                catch (Exception ex)
                {
                    foreach (var item in batch) item.Done.TrySetException(ex);
                }
            }
        }

        private static async Task WriteAsync(ITenantDocuments documents, string triggerId, List<(Func<TriggerState, TriggerState> Change, TaskCompletionSource Done)> batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                var current = await documents.GetAsync<TriggerState>(triggerId, CancellationToken.None).ConfigureAwait(false);
                var next = current?.Value ?? new TriggerState(triggerId, documents.Tenant);
                foreach (var item in batch) next = item.Change(next);
                try
                {
                    if (current is null) await documents.CreateAsync(next, CancellationToken.None).ConfigureAwait(false);
                    else await documents.ReplaceAsync(next, current.ETag, CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is DocumentPreconditionFailedException or DocumentConflictException && attempt < MaxAttempts)
                {
                    // Another instance wrote in between: read again and apply the same changes to what it wrote.
                    await Task.Delay(Random.Shared.Next(1, 1 + Math.Min(attempt, 20))).ConfigureAwait(false);
                }
            }
        }
    }
}
