using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Knowledge;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>
/// Files dropped into the documents folder (the blob layout, watched by the local host as the blob trigger watches the
/// container in Azure) become documents through the same service as uploads; bad drops are rejected with a reason.
/// </summary>
public sealed class KnowledgeDropsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private string DocumentsFolder => factory.Services.GetRequiredService<FolderKnowledgeContent>().Root;

    private KnowledgeDrops Drops => factory.Services.GetRequiredService<KnowledgeDrops>();

    [Fact]
    public async Task DroppedFile_InTheWatchedFolder_IsIngestedAndQueryable_ThenADroppedChangeMakesANewVersion()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var path = Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb, "parking.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "# Parking\n\nVisitors park on level minus two, bays 40 to 55.");

        var document = await WaitForDocumentAsync(client, kb, "parking.md");
        var indexed = await KnowledgeApiTests.WaitIndexedAsync(client, kb, document["id"]!.GetValue<string>());
        Assert.Equal("indexed", indexed["status"]!.GetValue<string>());
        Assert.Equal(KnowledgeDrops.DroppedBy, indexed["created_by"]!.GetValue<string>());
        var hits = await QueryAsync(client, kb, "where do visitors park");
        Assert.Contains("level minus two", hits[0]!["content"]!.GetValue<string>(), StringComparison.Ordinal);

        // Dropping the same name again with new bytes is a replacement (version 2), like PUT.
        await File.WriteAllTextAsync(path, "# Parking\n\nVisitors now park in the yard behind building C.");
        await factory.Services.GetRequiredService<DropFolderWatcher>().ScanAsync();
        await factory.Services.GetRequiredService<DropFolderWatcher>().ScanAsync();
        var replaced = await KnowledgeApiTests.WaitIndexedAsync(client, kb, document["id"]!.GetValue<string>(), version: 2);
        Assert.Equal(2, replaced["version"]!.GetValue<int>());
        Assert.Contains("building C", (await QueryAsync(client, kb, "where do visitors park"))[0]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents"));
    }

    [Fact]
    public async Task UploadedFile_SeenAgainAsADrop_ChangesNothing()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var uploaded = await KnowledgeApiTests.UploadRawAsync(client, kb, "canteen.txt", "text/plain", Encoding.UTF8.GetBytes("The canteen opens at half past eleven."));
        var id = uploaded["id"]!.GetValue<string>();
        Assert.True(File.Exists(Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb, "canteen.txt")), "the upload is stored at the blob layout path");

        var result = await Drops.IngestAsync($"{tenant.Tenant.Value}/{kb}/canteen.txt");

        Assert.Equal(DropOutcome.Unchanged, result.Outcome);
        Assert.Equal(id, result.DocumentId);
        var document = await KnowledgeApiTests.WaitIndexedAsync(client, kb, id);
        Assert.Equal(1, document["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task UploadOfATakenName_Is409_AndDeleteRemovesTheFile()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var first = await KnowledgeApiTests.UploadRawAsync(client, kb, "rota.txt", "text/plain", Encoding.UTF8.GetBytes("Rota one."));
        using (var again = new ByteArrayContent(Encoding.UTF8.GetBytes("Rota two.")))
        {
            again.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            var problem = await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name=rota.txt", again)).ExpectProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains(first["id"]!.GetValue<string>(), problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        var file = Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb, "rota.txt");
        Assert.Equal("Rota one.", await File.ReadAllTextAsync(file));

        (await client.DeleteAsync($"/api/v1/knowledge-bases/{kb}/documents/{first["id"]}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Assert.False(File.Exists(file));
        // The name is free again.
        await KnowledgeApiTests.UploadRawAsync(client, kb, "rota.txt", "text/plain", Encoding.UTF8.GetBytes("Rota three."));
    }

    [Fact]
    public async Task DroppedFiles_ThatCannotBeIngested_AreRejectedWithAReason_AndWriteNothing()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var other = await factory.SeedTenantAsync(Role.Admin);
        var folder = Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb);
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "empty.txt"), []);
        await File.WriteAllBytesAsync(Path.Combine(folder, "sheet.xlsx"), [1, 2, 3]);

        var cases = new Dictionary<string, string>
        {
            ["not/enough"] = "{tenantId}/{knowledgeBaseId}/{fileName}",
            [$"{tenant.Tenant.Value}/{kb}/sub/deeper.txt"] = "{tenantId}/{knowledgeBaseId}/{fileName}",
            [$"ten_nobody_here/{kb}/a.txt"] = "no tenant",
            [$"{other.Tenant.Value}/{kb}/a.txt"] = "no knowledge base",
            [$"{tenant.Tenant.Value}/kb_missing/a.txt"] = "no knowledge base",
            [$"{tenant.Tenant.Value}/{kb}/../a.txt"] = "{tenantId}/{knowledgeBaseId}/{fileName}",
            [$"{tenant.Tenant.Value}/{kb}/empty.txt"] = "empty",
            [$"{tenant.Tenant.Value}/{kb}/sheet.xlsx"] = "not supported",
            ["_platform/kb_x/a.txt"] = "not a tenant id",
        };
        foreach (var (path, reason) in cases)
        {
            var result = await Drops.IngestAsync(path);
            Assert.True(result.Outcome == DropOutcome.Rejected, $"{path}: {result}");
            Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(DropOutcome.Gone, (await Drops.IngestAsync($"{tenant.Tenant.Value}/{kb}/never-written.txt")).Outcome);
        Assert.Empty(await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents"));
    }

    [Fact]
    public async Task WatchedFolder_TakesAFileOnlyOnceItHeldStillForAScan()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var watcher = new DropFolderWatcher(factory.Services.GetRequiredService<FolderKnowledgeContent>(), Drops,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DropFolderWatcher>.Instance);
        var folder = Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "growing.txt");
        await File.WriteAllTextAsync(path, "Half a sentence");

        Assert.DoesNotContain(await watcher.ScanAsync(), r => r.Path.EndsWith("growing.txt", StringComparison.Ordinal));
        await File.AppendAllTextAsync(path, " and the rest of it.");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.DoesNotContain(await watcher.ScanAsync(), r => r.Path.EndsWith("growing.txt", StringComparison.Ordinal));

        var taken = Assert.Single(await watcher.ScanAsync(), r => r.Path.EndsWith("growing.txt", StringComparison.Ordinal));
        Assert.Contains(taken.Result.Outcome, new[] { DropOutcome.Created, DropOutcome.Unchanged });
        var document = await WaitForDocumentAsync(client, kb, "growing.txt");
        Assert.Equal(Encoding.UTF8.GetByteCount("Half a sentence and the rest of it."), document["size_bytes"]!.GetValue<long>());
    }

    /// <summary>
    /// The Functions app's two ingestion functions are thin: the blob trigger hands the blob's path to the drops service
    /// and the queue consumer hands the job to the ingestion service (here over the local adapters the host composes).
    /// </summary>
    [Fact]
    public async Task FunctionsIngestion_BlobTriggerAndQueueConsumer_ReachTheSameServices()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = await CreateKnowledgeBaseAsync(client);
        var folder = Path.Combine(DocumentsFolder, tenant.Tenant.Value, kb);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "lockers.txt"), "Lockers on the second floor are assigned by the office manager.");
        var functions = ActivatorUtilities.CreateInstance<AgentFunctions.Functions.Knowledge.KnowledgeIngestionFunctions>(factory.Services);
        static global::Azure.Storage.Blobs.BlobClient Blob(string path) => new(new Uri("http://127.0.0.1:10000/devstoreaccount1/documents/" + path));

        await functions.IngestDroppedDocument(Blob($"{tenant.Tenant.Value}/{kb}/lockers.txt"), CancellationToken.None);
        await functions.IngestDroppedDocument(Blob($"ten_nobody/{kb}/lockers.txt"), CancellationToken.None); // logged, not thrown

        var document = Assert.Single(await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents"))!;
        var job = new IngestionJob(tenant.Tenant, kb, document["id"]!.GetValue<string>(), 1);
        await functions.IngestDocument(System.Text.Json.JsonSerializer.Serialize(job, AgentFunctions.Common.PlatformJson.Stored), deliveryCount: 1, CancellationToken.None);
        var indexed = await KnowledgeApiTests.WaitIndexedAsync(client, kb, job.DocumentId);
        Assert.Equal("indexed", indexed["status"]!.GetValue<string>());
    }

    private static async Task<string> CreateKnowledgeBaseAsync(HttpClient client) =>
        (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "Drops" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

    /// <summary>Scans with the host's own watcher (as its timer would) until the document appears.</summary>
    private async Task<JsonNode> WaitForDocumentAsync(HttpClient client, string kb, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await factory.Services.GetRequiredService<DropFolderWatcher>().ScanAsync();
            var items = await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents");
            if (items.FirstOrDefault(d => d!["name"]!.GetValue<string>() == name) is { } found) return found!;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No document named {name} appeared.");
            await Task.Delay(50);
        }
    }

    private static async Task<JsonArray> QueryAsync(HttpClient client, string kb, string query) =>
        (await (await client.PostAsJsonAsync($"/api/v1/knowledge-bases/{kb}/query", new { query, top_k = 3 })).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
}
