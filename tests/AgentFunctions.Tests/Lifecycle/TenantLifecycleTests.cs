using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Local.Events;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Knowledge;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tests.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Lifecycle;

/// <summary>
/// Export and deletion end to end on the local host, over every local adapter: two tenants with agents, runs (and their
/// orchestration history), a session, a credential (vault), a webhook trigger and its event, a knowledge base with an
/// indexed file. Each tenant's data carries a unique marker, so "nothing remains" is checked byte for byte on disk.
/// </summary>
public sealed class TenantLifecycleTests : IDisposable
{
    private PlatformFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ExportThenDelete_ArchiveHoldsEveryRecordWithoutSecrets_AndNothingOfTheTenantRemainsInAnyLocalAdapter_OtherTenantUntouched()
    {
        var doomed = await PopulateAsync();
        var kept = await PopulateAsync();

        // Export, by the tenant's own admin.
        using var exportResponse = await doomed.Tenant.First.Client.PostAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}/export", null);
        Assert.Equal(HttpStatusCode.OK, exportResponse.StatusCode);
        Assert.Equal("application/gzip", exportResponse.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith(".jsonl.gz", exportResponse.Content.Headers.ContentDisposition!.FileNameStar ?? exportResponse.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        var lines = await ReadArchiveAsync(await exportResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal("export", lines[0]["type"]!.GetValue<string>());
        Assert.Equal(doomed.Tenant.Tenant.Value, lines[0]["tenant_id"]!.GetValue<string>());
        var summary = lines[^1];
        Assert.Equal("summary", summary["type"]!.GetValue<string>());
        var records = lines.Skip(1).SkipLast(1).ToList();
        Assert.Equal(records.Count, summary["total"]!.GetValue<long>());
        var kinds = records.Select(r => r["kind"]!.GetValue<string>()).ToHashSet();
        foreach (var kind in new[] { "tenant", "team", "user", "api_key", "agent", "agent_version", "run", "session", "message", "credential", "trigger", "trigger_event", "knowledge_base", "document" })
        {
            Assert.Contains(kind, kinds);
        }
        var archive = string.Join("\n", lines.Select(l => l.ToJsonString()));
        Assert.Contains(doomed.Marker, archive);
        Assert.Contains(doomed.Marker, records.Single(r => r["kind"]!.GetValue<string>() == "credential").ToJsonString());
        Assert.DoesNotContain(doomed.SecretValue, archive);
        Assert.DoesNotContain("secret_hash", archive);
        Assert.DoesNotContain(kept.Marker, archive);
        Assert.DoesNotContain(kept.Tenant.Tenant.Value, archive);

        // Delete, by the platform key: finished within the request, with a count per store.
        var platform = factory.ClientWithKey(factory.PlatformKey);
        var report = await (await platform.DeleteAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        var removed = report["stores"]!.AsArray().ToDictionary(s => s!["store"]!.GetValue<string>(), s => s!["removed"]!.GetValue<long>());
        Assert.All(report["stores"]!.AsArray(), s => Assert.Equal("done", s!["status"]!.GetValue<string>()));
        Assert.True(removed["api_keys"] >= 1);
        Assert.Equal(1, removed["trigger_directory"]);
        Assert.True(removed["orchestrations"] >= 2, "the executed run and the webhook's run");
        Assert.True(removed["knowledge_index"] >= 1);
        Assert.True(removed["knowledge_files"] >= 1);
        Assert.True(removed["secrets"] >= 2, "the credential's and the trigger's signing secret");
        Assert.True(removed["documents"] + removed["usage"] >= records.Count - removed["api_keys"]);
        Assert.True(removed["usage"] >= 1, "the run's usage events");
        Assert.Contains("event_queue", removed.Keys);
        var again = await (await platform.GetAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}/deletion")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(report.ToJsonString(), again.ToJsonString());
        var repeat = await (await platform.DeleteAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(report["total_removed"]!.GetValue<long>(), repeat["total_removed"]!.GetValue<long>());

        // The tenant's keys are dead and its id is free again.
        Assert.Equal(HttpStatusCode.Unauthorized, (await doomed.Tenant.First.Client.GetAsync("/api/v1/me")).StatusCode);
        (await platform.GetAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Nothing in the document store: not its partition, not the platform partition (but the deletion's own record).
        var partition = await factory.Store.For(doomed.Tenant.Tenant).ReadPartitionPageAsync(new DocumentPageRequest(10));
        Assert.Empty(partition.Items);
        var platformRecords = await AllAsync(factory.Store.For(TenantId.Platform));
        var naming = platformRecords.Where(d => Encoding.UTF8.GetString(d.Json.Span).Contains(doomed.Tenant.Tenant.Value, StringComparison.Ordinal)).ToList();
        Assert.Equal(["tenant_deletion"], naming.Select(d => d.Kind));

        // The other tenant is whole: its data on disk, its agent, credential, run, knowledge, trigger.
        var client = kept.Tenant.First.Client;
        await (await client.GetAsync($"/api/v1/agents/{kept.AgentId}")).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync($"/api/v1/runs/{kept.RunId}")).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync($"/api/v1/tenants/{kept.Tenant.Tenant.Value}/credentials/{kept.CredentialId}")).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync($"/api/v1/triggers/{kept.TriggerId}")).ExpectAsync(HttpStatusCode.OK);
        var hits = await (await client.PostJsonAsync($"/api/v1/knowledge-bases/{kept.KnowledgeBaseId}/query", new { query = kept.Marker, top_k = 3, mode = "keyword" }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.NotEmpty(hits["items"]!.AsArray());

        // Nothing on disk: no file holds its marker; no file but the document log (the deletion record) holds its id. The
        // host is stopped first (the logs are locked while it runs), then started again on the same folder.
        var restarted = factory.Restarted();
        factory.Dispose();
        factory = restarted;
        foreach (var file in Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.False(Contains(bytes, doomed.Marker), $"{file} still holds the deleted tenant's data");
            if (Path.GetFileName(file) != "documents.log") Assert.False(Contains(bytes, doomed.Tenant.Tenant.Value), $"{file} still names the deleted tenant");
        }
        Assert.Contains(Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories), f => Contains(File.ReadAllBytes(f), kept.Marker));
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "knowledge", "files", doomed.Tenant.Tenant.Value)));
        platform = factory.ClientWithKey(factory.PlatformKey);
        (await platform.GetAsync($"/api/v1/tenants/{doomed.Tenant.Tenant.Value}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        client = factory.ClientWithKey(kept.Key);
        await (await client.GetAsync($"/api/v1/agents/{kept.AgentId}")).ExpectAsync(HttpStatusCode.OK);
        var keptExport = await platform.PostAsync($"/api/v1/tenants/{kept.Tenant.Tenant.Value}/export", null);
        Assert.Contains(kept.Marker, string.Join("\n", (await ReadArchiveAsync(await keptExport.Content.ReadAsByteArrayAsync())).Select(l => l.ToJsonString())));
    }

    [Fact]
    public async Task Delete_UnknownTenantOrPlatformPartition_Is404Problem_AndRetentionRefusesBadDays()
    {
        var platform = factory.ClientWithKey(factory.PlatformKey);
        foreach (var url in new[] { "/api/v1/tenants/ten_nobody", "/api/v1/tenants/_platform" })
        {
            var response = await platform.DeleteAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
        (await platform.GetAsync("/api/v1/tenants/ten_nobody/deletion")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await platform.PostAsync("/api/v1/tenants/ten_nobody/export", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var tenant = await factory.SeedTenantAsync();
        var none = await (await platform.GetAsync($"/api/v1/tenants/{tenant.Tenant.Value}/deletion")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("none", none["status"]!.GetValue<string>());
        var bad = await tenant.First.Client.PutAsync($"/api/v1/tenants/{tenant.Tenant.Value}/retention",
            new StringContent("""{"runs_days":0,"events_days":99999}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        var text = await bad.Content.ReadAsStringAsync();
        Assert.Contains("runs_days", text);
        Assert.Contains("events_days", text);
        var unknownField = await tenant.First.Client.PutAsync($"/api/v1/tenants/{tenant.Tenant.Value}/retention",
            new StringContent("""{"runs":5}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        var policy = await (await tenant.First.Client.GetAsync($"/api/v1/tenants/{tenant.Tenant.Value}/retention")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(policy["runs_days"]);
        Assert.Null(policy["updated_at"]);
    }

    internal sealed record Populated(SeededTenant Tenant, string Key, string Marker, string SecretValue, string AgentId, string RunId, string CredentialId, string TriggerId, string KnowledgeBaseId);

    /// <summary>A tenant with something in every local adapter, each piece carrying the tenant's marker.</summary>
    internal Task<Populated> PopulateAsync() => PopulateAsync(factory);

    internal static async Task<Populated> PopulateAsync(PlatformFactory factory)
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var marker = "mark" + Guid.NewGuid().ToString("N")[..12];
        // As POST /api/v1/tenants writes it: the platform's directory entry, with the company's name (the seeding helper
        // writes only the partition).
        await factory.Store.For(TenantId.Platform).CreateAsync(new TenantDirectoryEntry(tenant.Tenant.Value, TenantId.Platform, $"Company {marker}", "free", DateTimeOffset.UtcNow));
        var client = tenant.First.Client;
        var secret = "secret" + Guid.NewGuid().ToString("N")[..12];
        var agent = (await (await client.PostJsonAsync("/api/v1/agents", new { name = $"agent {marker}", scope = "team", model = "offline", system_prompt = $"/answer {marker}" }))
            .ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var run = (await (await client.PostJsonAsync($"/api/v1/agents/{agent}/execute", new { input = $"hello {marker}" })).ExpectAsync(HttpStatusCode.OK))["id"]!.GetValue<string>();
        var session = (await (await client.PostJsonAsync($"/api/v1/agents/{agent}/sessions", new { title = $"chat {marker}" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        await (await client.PostJsonAsync($"/api/v1/agents/{agent}/sessions/{session}/messages", new { content = $"message {marker}" })).ExpectAsync(HttpStatusCode.OK);
        var credential = (await (await client.PostJsonAsync($"/api/v1/tenants/{tenant.Tenant.Value}/credentials",
            new { meta = new { label = marker }, credentials = new { token = secret } })).ExpectAsync(HttpStatusCode.Created))["credential_id"]!.GetValue<string>();
        var trigger = await (await client.PostJsonAsync($"/api/v1/agents/{agent}/triggers", new { system = "webhook" })).ExpectAsync(HttpStatusCode.Created);
        var triggerId = trigger["id"]!.GetValue<string>();
        using (var delivery = TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), $$"""{"order":"{{marker}}"}"""))
        {
            await (await factory.CreateClient().SendAsync(delivery)).ExpectAsync(HttpStatusCode.Accepted);
        }
        await factory.Services.GetRequiredService<LocalEventBus>().DrainAsync(TimeSpan.FromSeconds(30));
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = $"kb {marker}" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        using var content = new StringContent($"The {marker} handbook says the dock closes at five.", Encoding.UTF8, "text/plain");
        var document = await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name=notes.txt", content)).ExpectAsync(HttpStatusCode.Accepted);
        var indexed = await KnowledgeApiTests.WaitIndexedAsync(client, kb, document["id"]!.GetValue<string>());
        Assert.Equal("indexed", indexed["status"]!.GetValue<string>());
        return new Populated(tenant, tenant.First.Key, marker, secret, agent, run, credential, triggerId, kb);
    }

    internal static async Task<List<JsonNode>> ReadArchiveAsync(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        var lines = new List<JsonNode>();
        while (await reader.ReadLineAsync() is { } line) lines.Add(JsonNode.Parse(line)!);
        return lines;
    }

    private static async Task<List<StoredDocument>> AllAsync(ITenantDocuments documents)
    {
        var all = new List<StoredDocument>();
        string? continuation = null;
        do
        {
            var page = await documents.ReadPartitionPageAsync(new DocumentPageRequest(500, continuation));
            all.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return all;
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}

/// <summary>Lets other lifecycle tests populate tenants the same way.</summary>
internal sealed class TenantLifecycleTestsAccess(PlatformFactory factory)
{
    public Task<TenantLifecycleTests.Populated> PopulateAsync() => TenantLifecycleTests.PopulateAsync(factory);
}
