using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The knowledge routes end to end on the local host: upload, asynchronous indexing, queries, the agent's run, bad input.</summary>
public sealed class KnowledgeApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Walkthrough_UploadQueryAgentCitationReplaceDelete()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "Company handbook" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        var markdown = await UploadRawAsync(client, kb, "travel.md", "text/markdown", Encoding.UTF8.GetBytes(KnowledgeSamples.Markdown));
        Assert.Equal("indexing", markdown["status"]!.GetValue<string>());
        Assert.StartsWith("sha256:", markdown["content_hash"]!.GetValue<string>(), StringComparison.Ordinal);
        var pdf = await UploadMultipartAsync(client, kb, "warehouse.pdf", "application/pdf", KnowledgeSamples.Pdf());
        var docx = await UploadRawAsync(client, kb, "refunds.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", KnowledgeSamples.Docx());
        foreach (var document in new[] { markdown, pdf, docx })
        {
            var done = await WaitIndexedAsync(client, kb, document["id"]!.GetValue<string>());
            Assert.True(done["status"]!.GetValue<string>() == "indexed", done.ToJsonString());
            Assert.True(done["chunk_count"]!.GetValue<int>() > 0);
        }

        var hits = await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "When does the loading dock close?");
        var top = hits[0]!;
        Assert.Equal(pdf["id"]!.GetValue<string>(), top["document_id"]!.GetValue<string>());
        Assert.Equal("warehouse.pdf", top["document_name"]!.GetValue<string>());
        Assert.Equal(2, top["citation"]!["page"]!.GetValue<int>());
        Assert.Contains("17:30", top["content"]!.GetValue<string>(), StringComparison.Ordinal);

        var keyword = await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "hotel allowance Berlin", mode: "keyword");
        Assert.Equal(["Travel policy", "Hotels"], keyword[0]!["citation"]!["heading_path"]!.AsArray().Select(h => h!.GetValue<string>()));

        // An agent that names the knowledge base retrieves before its model call, and the run carries the citation.
        var agent = (await (await client.PostJsonAsync("/api/v1/agents", new { name = "helper", scope = "team",
            knowledge = new { enabled = true, top_k = 2, knowledge_base_ids = new[] { kb } } })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var run = await (await client.PostJsonAsync($"/api/v1/agents/{agent}/execute", new { input = "How long is the refund window for customers?" })).ExpectAsync(HttpStatusCode.OK);
        var citation = run["citations"]!.AsArray()[0]!;
        Assert.Equal(docx["id"]!.GetValue<string>(), citation["document_id"]!.GetValue<string>());
        Assert.Equal("refunds.docx", citation["title"]!.GetValue<string>());
        Assert.Equal("Refund rules", citation["heading_path"]!.AsArray()[0]!.GetValue<string>());
        var agentHits = await QueryAsync(client, $"/api/v1/agents/{agent}/knowledge/query", "How long is the refund window for customers?");
        Assert.Equal(citation["chunk_id"]!.GetValue<string>(), agentHits[0]!["chunk_id"]!.GetValue<string>());

        // Replace: a new version, new answer; the old text is gone from the index.
        var docxId = docx["id"]!.GetValue<string>();
        using (var replacement = new ByteArrayContent(Encoding.UTF8.GetBytes("# Refund rules\n\nCustomers may return any product within 60 days of delivery.")))
        {
            replacement.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
            var replaced = await (await client.PutAsync($"/api/v1/knowledge-bases/{kb}/documents/{docxId}", replacement)).ExpectAsync(HttpStatusCode.Accepted);
            Assert.Equal(2, replaced["version"]!.GetValue<int>());
        }
        await WaitIndexedAsync(client, kb, docxId, version: 2);
        var after = await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "refund window days", top: 10);
        Assert.Contains(after, h => h!["content"]!.GetValue<string>().Contains("60 days", StringComparison.Ordinal));
        Assert.DoesNotContain(after, h => h!["content"]!.GetValue<string>().Contains("45 days", StringComparison.Ordinal));

        // Delete: gone from the list and from every query.
        (await client.DeleteAsync($"/api/v1/knowledge-bases/{kb}/documents/{docxId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var gone = await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "refund window days", top: 10);
        Assert.DoesNotContain(gone, h => h!["document_id"]!.GetValue<string>() == docxId);
        var listed = await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents");
        Assert.Equal(2, listed.Count);

        (await client.DeleteAsync($"/api/v1/knowledge-bases/{kb}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/api/v1/knowledge-bases/{kb}/documents/{pdf["id"]}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Assert.Empty(await QueryAsync(client, $"/api/v1/agents/{agent}/knowledge/query", "loading dock"));
    }

    [Fact]
    public async Task Query_AnotherTenantsLookAlikeDocument_IsNeverReturned_AndItsKnowledgeBaseIs404()
    {
        var mine = await factory.SeedTenantAsync(Role.Admin);
        var theirs = await factory.SeedTenantAsync(Role.Admin);
        var myKb = (await (await mine.First.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "mine" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var theirKb = (await (await theirs.First.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "theirs" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var text = Encoding.UTF8.GetBytes("The quarterly bonus pool is 2.5 percent of revenue.");
        var myDoc = await UploadRawAsync(mine.First.Client, myKb, "bonus.txt", "text/plain", text);
        var theirDoc = await UploadRawAsync(theirs.First.Client, theirKb, "bonus.txt", "text/plain", text);
        await WaitIndexedAsync(mine.First.Client, myKb, myDoc["id"]!.GetValue<string>());
        await WaitIndexedAsync(theirs.First.Client, theirKb, theirDoc["id"]!.GetValue<string>());

        foreach (var mode in new[] { "hybrid", "keyword", "vector" })
        {
            var hits = await QueryAsync(mine.First.Client, $"/api/v1/knowledge-bases/{myKb}/query", "quarterly bonus pool", mode: mode, top: 50);
            Assert.All(hits, h => Assert.Equal(myDoc["id"]!.GetValue<string>(), h!["document_id"]!.GetValue<string>()));
        }
        (await mine.First.Client.PostJsonAsync($"/api/v1/knowledge-bases/{theirKb}/query", new { query = "bonus" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await mine.First.Client.GetAsync($"/api/v1/knowledge-bases/{theirKb}/documents/{theirDoc["id"]}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var upload = new StringContent("x", Encoding.UTF8, "text/plain");
        (await mine.First.Client.PostAsync($"/api/v1/knowledge-bases/{theirKb}/documents?name=x.txt", upload)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // An agent cannot name another tenant's knowledge base.
        var refused = await (await mine.First.Client.PostJsonAsync("/api/v1/agents", new { name = "sneaky", knowledge = new { enabled = true, knowledge_base_ids = new[] { theirKb } } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("knowledge.knowledge_base_ids", refused.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_BadInput_AnswersProblemOrFailedStatus_AndWritesNothing()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "bad input" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        await ExpectUploadAsync(client, kb, "image.png", "image/png", [0x89, 0x50], HttpStatusCode.UnsupportedMediaType);
        await ExpectUploadAsync(client, kb, "empty.txt", "text/plain", [], HttpStatusCode.BadRequest);
        await ExpectUploadAsync(client, kb, "../etc/passwd.txt", "text/plain", "x"u8.ToArray(), HttpStatusCode.BadRequest);
        await ExpectUploadAsync(client, kb, "a/b.txt", "text/plain", "x"u8.ToArray(), HttpStatusCode.BadRequest);
        await ExpectUploadAsync(client, kb, "a\\b.txt", "text/plain", "x"u8.ToArray(), HttpStatusCode.BadRequest);
        await ExpectUploadAsync(client, kb, "big.txt", "text/plain", new byte[20 * 1024 * 1024 + 1], HttpStatusCode.RequestEntityTooLarge);
        using (var noName = new StringContent("text", Encoding.UTF8, "text/plain"))
        {
            await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents", noName)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        }
        using (var multipart = new MultipartFormDataContent())
        {
            multipart.Add(new StringContent("wrong part"), "attachment", "x.txt");
            await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents", multipart)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        }
        Assert.Empty(await client.ReadAllItemsAsync($"/api/v1/knowledge-bases/{kb}/documents"));

        // A corrupt file of a supported type is accepted, then fails with a reason and leaves nothing searchable.
        var corrupt = await UploadRawAsync(client, kb, "broken.pdf", "application/pdf", "%PDF-1.4 garbage"u8.ToArray());
        var failed = await WaitIndexedAsync(client, kb, corrupt["id"]!.GetValue<string>());
        Assert.Equal("failed", failed["status"]!.GetValue<string>());
        Assert.Contains("PDF", failed["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, failed["chunk_count"]!.GetValue<int>());
        Assert.Empty(await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "garbage", mode: "keyword"));

        await (await client.PostJsonAsync($"/api/v1/knowledge-bases/{kb}/query", new { query = "", top_k = 0 })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync($"/api/v1/knowledge-bases/{kb}/query", new { query = "x", mode = "fuzzy" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "x", chunk_tokens = 5000 })).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task KnowledgeSearchTool_AgentCallsIt_AndReadsPassagesOfItsOwnKnowledgeBasesOnly()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "ops" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var other = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "not attached" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var dock = await UploadRawAsync(client, kb, "dock.txt", "text/plain", "The loading dock closes at 17:30 on weekdays."u8.ToArray());
        var hidden = await UploadRawAsync(client, other, "dock-secret.txt", "text/plain", "The loading dock secret code is 9911."u8.ToArray());
        await WaitIndexedAsync(client, kb, dock["id"]!.GetValue<string>());
        await WaitIndexedAsync(client, other, hidden["id"]!.GetValue<string>());
        var agent = (await (await client.PostJsonAsync("/api/v1/agents", new
        {
            name = "searcher", scope = "team", tools = new[] { "builtin.knowledge_search" },
            system_prompt = "/call builtin.knowledge_search {\"query\":\"loading dock\",\"top_k\":5}",
            knowledge = new { enabled = false, knowledge_base_ids = new[] { kb } },
        })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        var run = await (await client.PostJsonAsync($"/api/v1/agents/{agent}/execute", new { input = "When does the dock close?" })).ExpectAsync(HttpStatusCode.OK);

        var call = run["tool_calls"]!.AsArray()[0]!;
        Assert.Equal("builtin.knowledge_search", call["tool"]!.GetValue<string>());
        var result = call["result"]!.GetValue<string>();
        Assert.Contains("17:30", result, StringComparison.Ordinal);
        Assert.Contains(dock["id"]!.GetValue<string>(), result, StringComparison.Ordinal);
        Assert.DoesNotContain("9911", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_SameBytes_Answers200AndKeepsTheVersion_NothingReindexed()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "same" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var bytes = "Badge photos are retaken every three years."u8.ToArray();
        var document = await UploadRawAsync(client, kb, "badges.txt", "text/plain", bytes);
        var id = document["id"]!.GetValue<string>();
        var indexed = await WaitIndexedAsync(client, kb, id);

        using var same = new ByteArrayContent(bytes);
        same.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var answer = await (await client.PutAsync($"/api/v1/knowledge-bases/{kb}/documents/{id}", same)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, answer["version"]!.GetValue<int>());
        Assert.Equal("indexed", answer["status"]!.GetValue<string>());
        Assert.Equal(indexed["updated_at"]!.GetValue<string>(), answer["updated_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task AgentQuery_AnotherUsersPersonalAgent_Is404_AndMinScoreFilters()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var owner = await tenant.AddUserAsync(Role.Operator);
        var kb = (await (await owner.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "personal" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var document = await UploadRawAsync(owner.Client, kb, "notes.txt", "text/plain", "My desk is in room 4.12."u8.ToArray());
        var other = await UploadRawAsync(owner.Client, kb, "food.txt", "text/plain", "The cafeteria opens at noon."u8.ToArray());
        await WaitIndexedAsync(owner.Client, kb, document["id"]!.GetValue<string>());
        await WaitIndexedAsync(owner.Client, kb, other["id"]!.GetValue<string>());
        var strict = (await (await owner.Client.PostJsonAsync("/api/v1/agents", new { name = "mine", scope = "user",
            knowledge = new { enabled = true, min_score = 1.0, knowledge_base_ids = new[] { kb } } })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{strict}/knowledge/query", new { query = "desk room" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // Hybrid scores are fused ranks normalised to [0, 1]: 1.0 only for the chunk first in both lists.
        var hits = await QueryAsync(owner.Client, $"/api/v1/agents/{strict}/knowledge/query", "desk room", top: 5);
        Assert.Equal(document["id"]!.GetValue<string>(), Assert.Single(hits)!["document_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Viewer_ReadsAndQueries_ButCannotChange()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var viewer = await tenant.AddUserAsync(Role.Viewer);
        var kb = (await (await tenant.First.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "shared" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        (await viewer.Client.GetAsync($"/api/v1/knowledge-bases/{kb}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.Client.PostJsonAsync($"/api/v1/knowledge-bases/{kb}/query", new { query = "anything" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "no" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.Client.DeleteAsync($"/api/v1/knowledge-bases/{kb}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static async Task ExpectUploadAsync(HttpClient client, string kb, string name, string type, byte[] bytes, HttpStatusCode status)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        var problem = await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name={Uri.EscapeDataString(name)}", content)).ExpectProblemAsync(status);
        Assert.NotNull(problem["title"]);
    }

    internal static async Task<JsonNode> UploadRawAsync(HttpClient client, string kb, string name, string type, byte[] bytes)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name={Uri.EscapeDataString(name)}", content)).ExpectAsync(HttpStatusCode.Accepted);
    }

    private static async Task<JsonNode> UploadMultipartAsync(HttpClient client, string kb, string name, string type, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(file, "file", name);
        return await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents", form)).ExpectAsync(HttpStatusCode.Accepted);
    }

    internal static async Task<JsonNode> WaitIndexedAsync(HttpClient client, string kb, string documentId, int version = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var document = await (await client.GetAsync($"/api/v1/knowledge-bases/{kb}/documents/{documentId}")).ExpectAsync(HttpStatusCode.OK);
            if (document["status"]!.GetValue<string>() != "indexing" && document["version"]!.GetValue<int>() >= version) return document;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Document {documentId} still indexing: {document.ToJsonString()}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Queries_AreMetered_OnePerQuery_WithTheTokensOfTheirEmbedding()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        var kb = (await (await client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "metered" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var agent = (await (await client.PostJsonAsync("/api/v1/agents", new { name = "reader", scope = "team",
            knowledge = new { enabled = true, top_k = 2, knowledge_base_ids = new[] { kb } } })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "refund window for customers");
        await QueryAsync(client, $"/api/v1/knowledge-bases/{kb}/query", "refund window", mode: "keyword");
        await QueryAsync(client, $"/api/v1/agents/{agent}/knowledge/query", "loading dock hours");
        await (await client.PostJsonAsync($"/api/v1/agents/{agent}/execute", new { input = "When does the loading dock close?" })).ExpectAsync(HttpStatusCode.OK);

        var rows = (await (await client.GetAsync("/api/v1/usage?group_by=agent")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(r => r!.AsObject()).ToList();
        long Sum(string meter, string? agentId) => rows
            .Where(r => r["meter"]!.GetValue<string>() == meter && r["agent_id"]?.GetValue<string>() == agentId)
            .Sum(r => r["quantity"]!.GetValue<long>());
        var embedder = AgentFunctions.Local.Knowledge.MiniLmEmbedder.Shared;

        // Two API queries on the knowledge base (one keyword: nothing embedded); the agent's query route and the run's retrieval.
        Assert.Equal(2, Sum(AgentFunctions.Usage.UsageMeters.KnowledgeQueries, null));
        Assert.Equal(2, Sum(AgentFunctions.Usage.UsageMeters.KnowledgeQueries, agent));
        Assert.Equal(embedder.CountInputTokens("refund window for customers"), Sum(AgentFunctions.Usage.UsageMeters.EmbeddingTokens, null));
        Assert.Equal(embedder.CountInputTokens("loading dock hours") + embedder.CountInputTokens("When does the loading dock close?"),
            Sum(AgentFunctions.Usage.UsageMeters.EmbeddingTokens, agent));
    }

    private static async Task<JsonArray> QueryAsync(HttpClient client, string url, string query, string mode = "hybrid", int top = 5) =>
        (await (await client.PostAsJsonAsync(url, new { query, top_k = top, mode })).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
}

internal static class StatusAssertions
{
    public static void ShouldBe(this HttpStatusCode actual, HttpStatusCode expected) => Assert.Equal(expected, actual);
}
