using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>The document store contract against the SQLite store that keeps the records that only grow, on a temp file per test.</summary>
public sealed class SqliteDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-sqlite-contract-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteDocumentStore store;

    public SqliteDocumentStoreContractTests()
    {
        // Contract fields are indexed too, so the contract's filters run through the SQL path as well as the in-code one.
        store = new SqliteDocumentStore(Path.Combine(directory, "documents.db"), new SqliteDocumentStoreOptions
        {
            IndexedFields = new Dictionary<string, IReadOnlyList<string>> { [ContractWidget.Kind] = ["name", "note", "size", "active"] },
        });
    }

    protected override IDocumentStore Store => store;

    public void Dispose()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
