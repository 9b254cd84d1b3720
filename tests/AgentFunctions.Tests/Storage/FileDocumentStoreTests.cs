using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

public sealed class FileDocumentStoreTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Reopen_AfterTornTail_KeepsWholeBatchesOnly()
    {
        var tenant = new TenantId("t1");
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(tenant).CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "k", "a", Encoding.UTF8.GetBytes("{\"v\":1}"))]);
            await store.For(tenant).CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "k", "b", Encoding.UTF8.GetBytes("{\"v\":2}"))]);
        }

        var logPath = Path.Combine(directory, "documents.log");
        var length = new FileInfo(logPath).Length;
        using (var file = new FileStream(logPath, FileMode.Open)) file.SetLength(length - 3);

        using var reopened = new FileDocumentStore(directory);
        Assert.NotNull(await reopened.For(tenant).ReadAsync("k", "a"));
        Assert.Null(await reopened.For(tenant).ReadAsync("k", "b"));
    }
}
