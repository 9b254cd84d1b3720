using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>The document store contract against the local file-backed store, on a fresh temp folder per test.</summary>
public sealed class FileDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-contract-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;

    public FileDocumentStoreContractTests()
    {
        store = new FileDocumentStore(directory);
    }

    protected override IDocumentStore Store => store;

    public void Dispose()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
