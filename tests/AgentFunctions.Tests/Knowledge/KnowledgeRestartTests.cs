using System.Net;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Knowledge;

public sealed class KnowledgeRestartTests
{
    [Fact]
    public async Task Restart_DocumentLeftIndexingByACrash_IsIndexedAtStart()
    {
        string key, kb, documentId;
        var first = new PlatformFactory();
        PlatformFactory second;
        try
        {
            var created = await (await first.ClientWithKey(first.PlatformKey).PostJsonAsync("/api/v1/tenants", new { name = "Crashy", admin = new { email = "a@crash.test" } }))
                .ExpectAsync(HttpStatusCode.Created);
            key = created["admin_key"]!["key"]!.GetValue<string>();
            var tenant = new TenantId(created["tenant"]!["id"]!.GetValue<string>());
            var client = first.ClientWithKey(key);
            kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "kb" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

            // What a crash between the upload's commit and its queueing leaves behind: the file and an "indexing" record, no job.
            documentId = Ids.New("doc");
            var bytes = Encoding.UTF8.GetBytes("The emergency exit is behind the kitchen.");
            await new FolderKnowledgeContent(Path.Combine(first.DataDirectory, "knowledge", "documents")).PutAsync(tenant, kb, "exits.txt", bytes);
            var document = new KnowledgeDocument(documentId, tenant, kb, "exits.txt", "text/plain", FileFormat.Text, bytes.Length,
                KnowledgeService.Hash(bytes), 1, DocumentStatus.Indexing, null, 0, null, created["admin"]!["id"]!.GetValue<string>(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            await first.Store.For(tenant).CreateAsync(document);
            await first.Store.For(tenant).CreateAsync(KnowledgeDocumentName.For(document));
            second = first.Restarted();
        }
        finally
        {
            first.Dispose();
        }

        using (second)
        {
            var client = second.ClientWithKey(key);
            var document = await KnowledgeApiTests.WaitIndexedAsync(client, kb, documentId);
            Assert.Equal("indexed", document["status"]!.GetValue<string>());
            var hits = await (await client.PostJsonAsync($"/api/v1/knowledge-bases/{kb}/query", new { query = "emergency exit" })).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(documentId, hits["items"]!.AsArray()[0]!["document_id"]!.GetValue<string>());
        }
    }
}
