using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>The document store contract against the append log in front of SQLite (the local host's store for trigger events and their dedupe keys).</summary>
public sealed class AppendLogDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-append-log-contract-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteDocumentStore sqlite;
    private readonly AppendLogDocumentStore store;

    public AppendLogDocumentStoreContractTests()
    {
        sqlite = new SqliteDocumentStore(Path.Combine(directory, "documents.db"), new SqliteDocumentStoreOptions
        {
            IndexedFields = new Dictionary<string, IReadOnlyList<string>> { [ContractWidget.Kind] = ["name", "note", "size", "active"] },
        });
        // Tiny fills and segments, so the contract also runs across fill transactions and segment changes.
        store = new AppendLogDocumentStore(Path.Combine(directory, "log"), sqlite, new AppendLogDocumentStoreOptions { FillBatchWrites = 3, SegmentBytes = 4096, MaxUnfilledWrites = 3, FillInterval = TimeSpan.FromMilliseconds(1) });
    }

    protected override IDocumentStore Store => store;

    public void Dispose()
    {
        store.Dispose();
        sqlite.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
