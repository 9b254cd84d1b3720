using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>The document store contract against the append log in front of SQLite (the local host's store for trigger events and their dedupe keys).</summary>
public sealed class AppendLogDocumentStoreContractTests() : AppendLogContract(new AppendLogDocumentStoreOptions
{
    // Tiny fills and segments, so the contract also runs across fill transactions and segment changes.
    FillBatchWrites = 3,
    SegmentBytes = 4096,
    MaxUnfilledWrites = 3,
    FillInterval = TimeSpan.FromMilliseconds(1),
})
{
    protected override IDocumentStore Store => Log;
}

/// <summary>
/// The contract again with the widgets as a deferred kind (as the local host defers its dedupe keys): their puts wait in
/// memory for a sorted fill of a few at a time, so reads, conditional writes, deletes and queries meet them there too.
/// Each commit returns once the fill has taken its batch (the deferred puts then wait among the deferred writes, not in
/// the batch), so what the contract reads next comes from there rather than from the batch still in memory.
/// </summary>
public sealed class AppendLogDeferredDocumentStoreContractTests() : AppendLogContract(new AppendLogDocumentStoreOptions
{
    FillBatchWrites = 3,
    SegmentBytes = 4096,
    MaxUnfilledWrites = 3,
    FillInterval = TimeSpan.FromMilliseconds(1),
    DeferredKinds = [ContractWidget.Kind],
    DeferredFillWrites = 8,
    DeferredFillInterval = TimeSpan.FromHours(1),
})
{
    protected override IDocumentStore Store => new FilledAfterCommit(Log);

    private sealed class FilledAfterCommit(AppendLogDocumentStore store) : IDocumentStore
    {
        public ITenantDocuments For(TenantId tenant) => new Documents(store, store.For(tenant));

        private sealed class Documents(AppendLogDocumentStore store, ITenantDocuments inner) : ITenantDocuments
        {
            public TenantId Tenant => inner.Tenant;

            public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) => inner.ReadAsync(kind, id, cancellationToken);

            public Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default) =>
                inner.QueryAsync(kind, filter, cancellationToken);

            public Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default) =>
                inner.QueryPageAsync(kind, filter, page, cancellationToken);

            public Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default) =>
                inner.ReadPartitionPageAsync(page, cancellationToken);

            public async Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
            {
                var etags = await inner.CommitAsync(writes, cancellationToken);
                await store.WaitFilledAsync(includeDeferred: false, cancellationToken);
                return etags;
            }
        }
    }
}

/// <summary>The append log and its SQLite store on a fresh folder; after each test, the log and SQLite's checkpoint must open again.</summary>
public abstract class AppendLogContract : DocumentStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-append-log-contract-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteDocumentStore sqlite;

    protected AppendLogContract(AppendLogDocumentStoreOptions options)
    {
        sqlite = new SqliteDocumentStore(Path.Combine(directory, "documents.db"), new SqliteDocumentStoreOptions
        {
            IndexedFields = new Dictionary<string, IReadOnlyList<string>> { [ContractWidget.Kind] = ["name", "note", "size", "active"] },
        });
        Log = new AppendLogDocumentStore(Path.Combine(directory, "log"), sqlite, options);
    }

    protected AppendLogDocumentStore Log { get; }

    public void Dispose()
    {
        Log.Dispose();
        // Whatever the test left (puts waiting, superseded, filled), the log opens again over SQLite's checkpoint.
        using (new AppendLogDocumentStore(Path.Combine(directory, "log"), sqlite))
        {
        }
        sqlite.Dispose();
        Directory.Delete(directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}
