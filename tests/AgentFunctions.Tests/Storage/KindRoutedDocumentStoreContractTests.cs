using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// The contract through the local host's routed store, with the contract's own kind on the SQLite side (the file store
/// side is what every other test uses); and the one rule of its own: a batch may not mix the two sides.
/// </summary>
public sealed class KindRoutedDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-routed-contract-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore files;
    private readonly SqliteDocumentStore sqlite;

    public KindRoutedDocumentStoreContractTests()
    {
        files = new FileDocumentStore(Path.Combine(directory, "files"));
        sqlite = new SqliteDocumentStore(Path.Combine(directory, "side.db"));
        Store = new KindRoutedDocumentStore(files, sqlite, [ContractWidget.Kind]);
    }

    protected override IDocumentStore Store { get; }

    [Fact]
    public async Task Commit_MixingBothSides_IsRefused_AndWritesNothing()
    {
        var tenant = new TenantId("tenant-a");
        var documents = Store.For(tenant);
        var widget = new ContractWidget("w1", tenant, "red", 1, true, null);
        var writes = new[]
        {
            TypedDocuments.Write(DocumentWriteMode.Create, documents, widget),
            TypedDocuments.Write(DocumentWriteMode.Create, documents, new OtherRecord("o1", tenant)),
        };

        await Assert.ThrowsAsync<ArgumentException>(() => documents.CommitAsync(writes));

        Assert.Null(await documents.ReadAsync(ContractWidget.Kind, "w1"));
        Assert.Null(await documents.ReadAsync(OtherRecord.Kind, "o1"));
    }

    [Fact]
    public async Task Commit_DeletesOnBothSides_RemovesFromEach()
    {
        var tenant = new TenantId("tenant-a");
        var documents = Store.For(tenant);
        await documents.CreateAsync(new ContractWidget("w1", tenant, "red", 1, true, null));
        await documents.CreateAsync(new OtherRecord("o1", tenant));

        var etags = await documents.CommitAsync([DocumentWrite.Delete(ContractWidget.Kind, "w1"), DocumentWrite.Delete(OtherRecord.Kind, "o1")]);

        Assert.Equal([null, null], etags);
        Assert.Null(await documents.ReadAsync(ContractWidget.Kind, "w1"));
        Assert.Null(await documents.ReadAsync(OtherRecord.Kind, "o1"));
    }

    [Fact]
    public async Task EachKind_LandsInItsOwnStore()
    {
        var tenant = new TenantId("tenant-a");
        await Store.For(tenant).CreateAsync(new ContractWidget("w1", tenant, "red", 1, true, null));
        await Store.For(tenant).CreateAsync(new OtherRecord("o1", tenant));

        Assert.NotNull(await sqlite.For(tenant).ReadAsync(ContractWidget.Kind, "w1"));
        Assert.Null(await files.For(tenant).ReadAsync(ContractWidget.Kind, "w1"));
        Assert.NotNull(await files.For(tenant).ReadAsync(OtherRecord.Kind, "o1"));
        Assert.Null(await sqlite.For(tenant).ReadAsync(OtherRecord.Kind, "o1"));
    }

    public void Dispose()
    {
        files.Dispose();
        sqlite.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private sealed record OtherRecord(string Id, TenantId TenantId) : IDocument
    {
        public static string Kind => "contract_other";
    }
}
