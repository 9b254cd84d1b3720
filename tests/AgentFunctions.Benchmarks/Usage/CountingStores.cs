using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Usage;

namespace AgentFunctions.Benchmarks.Usage;

/// <summary>Per-run means of what the code asked of the document store.</summary>
public sealed record DocumentOperations(double PointReads, double Queries, double QueryDocuments, double Writes, double Batches, double WrittenKb, double WriteKbUnits);

/// <summary>Counts every call the platform makes to the document port (what Cosmos would bill as request units).</summary>
public sealed class CountingDocumentStore(IDocumentStore inner) : IDocumentStore, IDisposable
{
    private long pointReads, queries, queryDocuments, writes, batches, writtenBytes, writeKbUnits;

    public ITenantDocuments For(TenantId tenant) => new Counting(inner.For(tenant), this);

    public void Reset() => pointReads = queries = queryDocuments = writes = batches = writtenBytes = writeKbUnits = 0;

    public DocumentOperations Snapshot(int runs) => new(pointReads / (double)runs, queries / (double)runs, queryDocuments / (double)runs, writes / (double)runs,
        batches / (double)runs, writtenBytes / 1024.0 / runs, writeKbUnits / (double)runs);

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private sealed class Counting(ITenantDocuments inner, CountingDocumentStore owner) : ITenantDocuments
    {
        public TenantId Tenant => inner.Tenant;

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.pointReads);
            return inner.ReadAsync(kind, id, cancellationToken);
        }

        public async Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
        {
            var result = await inner.QueryAsync(kind, filter, cancellationToken);
            Interlocked.Increment(ref owner.queries);
            Interlocked.Add(ref owner.queryDocuments, result.Count);
            return result;
        }

        public async Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            var result = await inner.QueryPageAsync(kind, filter, page, cancellationToken);
            Interlocked.Increment(ref owner.queries);
            Interlocked.Add(ref owner.queryDocuments, result.Items.Count);
            return result;
        }

        public async Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadPartitionPageAsync(page, cancellationToken);
            Interlocked.Increment(ref owner.queries);
            Interlocked.Add(ref owner.queryDocuments, result.Items.Count);
            return result;
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.batches);
            foreach (var write in writes)
            {
                Interlocked.Increment(ref owner.writes);
                Interlocked.Add(ref owner.writtenBytes, write.Json.Length);
                // Cosmos bills a write by its size, in (about) 1 KB steps.
                Interlocked.Add(ref owner.writeKbUnits, Math.Max(1, (write.Json.Length + 1023) / 1024));
            }
            return inner.CommitAsync(writes, cancellationToken);
        }
    }
}

/// <summary>Counts usage appends (one Cosmos create each) and budget reads (an aggregate query each).</summary>
public sealed class CountingUsageStore(IUsageStore inner) : IUsageStore
{
    private long appended, totals;

    public long Appended => appended;

    public long Totals => totals;

    public void Reset() => appended = totals = 0;

    public Task<int> AppendAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref appended, events.Count);
        return inner.AppendAsync(events, cancellationToken);
    }

    public Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default) =>
        inner.SumAsync(tenant, from, to, groupBy, cancellationToken);

    public Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref totals);
        return inner.TotalAsync(tenant, meters, from, to, cancellationToken);
    }

    public IAsyncEnumerable<UsageEvent> ReadTenantAsync(TenantId tenant, CancellationToken cancellationToken = default) => inner.ReadTenantAsync(tenant, cancellationToken);

    public Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default) => inner.DeleteTenantAsync(tenant, cancellationToken);
}

/// <summary>
/// Counts what the local runner journals for each run: orchestration starts and completed or failed operations by name
/// (activities, and child runs under the orchestration's name). Each journaled operation is one activity the Durable
/// backend would schedule and whose result it would deliver.
/// </summary>
internal sealed class CountingJournal(AgentFunctions.Local.Orchestration.IOrchestrationJournal inner) : AgentFunctions.Local.Orchestration.IOrchestrationJournal
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> operations = new(StringComparer.Ordinal);
    private int starts;

    public int Starts => Volatile.Read(ref starts);

    public IReadOnlyDictionary<string, int> Operations => operations;

    public void Reset()
    {
        operations.Clear();
        Interlocked.Exchange(ref starts, 0);
    }

    public long Length => inner.Length;

    public IReadOnlyList<AgentFunctions.Local.Orchestration.JournalRecord> ReadAll() => inner.ReadAll();

    public long Append(AgentFunctions.Local.Orchestration.JournalRecord record)
    {
        switch (record.Type)
        {
            case AgentFunctions.Local.Orchestration.JournalRecordType.Started:
                Interlocked.Increment(ref starts);
                break;
            case AgentFunctions.Local.Orchestration.JournalRecordType.OperationCompleted or AgentFunctions.Local.Orchestration.JournalRecordType.OperationFailed:
                operations.AddOrUpdate(record.Name, 1, (_, n) => n + 1);
                break;
        }
        return inner.Append(record);
    }

    public ValueTask WaitDurableAsync(long sequence) => inner.WaitDurableAsync(sequence);

    public void Rewrite(IReadOnlyList<AgentFunctions.Local.Orchestration.JournalRecord> records) => inner.Rewrite(records);

    public void Dispose() => inner.Dispose();
}
