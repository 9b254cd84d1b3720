using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Azure.Knowledge;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using SearchMode = AgentFunctions.Knowledge.SearchMode;
using Azure;
using Azure.Core.Pipeline;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>
/// The Azure AI Search adapter at the SDK boundary: the real SDK over a fake HTTP transport that records every request.
/// Checks the index schema, that every query, lookup and delete carries the tenant and knowledge-base filter, and how
/// answers are read back.
/// </summary>
public sealed class AzureSearchKnowledgeIndexTests
{
    private static readonly TenantId Tenant = new("ten_a");
    private const string ExpectedFilter = "tenantId eq 'ten_a' and search.in(knowledgeBaseId, 'kb_1,kb_2', ',')";

    private readonly FakeSearchService service = new();

    private AzureSearchKnowledgeIndex CreateSut(int dimensions = 4) => new(
        new SearchIndexClient(new Uri("https://af-test.search.windows.net"), new AzureKeyCredential("test-key"),
            new SearchClientOptions { Transport = new HttpClientTransport(new HttpClient(service)), Retry = { MaxRetries = 0 } }),
        new AzureSearchIndexOptions(new Uri("https://af-test.search.windows.net"), "chunks", dimensions));

    [Fact]
    public async Task EnsureIndex_SendsSchema_TenantAndKnowledgeBaseFilterable_HnswVector_SemanticConfiguration()
    {
        await CreateSut(dimensions: 384).EnsureIndexAsync();

        var request = Assert.Single(service.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Contains("/indexes('chunks')", request.Path, StringComparison.Ordinal);
        var fields = request.Body!["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        Assert.True(fields["id"]["key"]!.GetValue<bool>());
        Assert.True(fields["tenantId"]["filterable"]!.GetValue<bool>());
        Assert.True(fields["knowledgeBaseId"]["filterable"]!.GetValue<bool>());
        Assert.Equal(384, fields["contentVector"]["dimensions"]!.GetValue<int>());
        Assert.Equal(AzureSearchKnowledgeIndex.VectorProfile, fields["contentVector"]["vectorSearchProfile"]!.GetValue<string>());
        Assert.Equal("hnsw", request.Body["vectorSearch"]!["algorithms"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal(AzureSearchKnowledgeIndex.SemanticConfiguration, request.Body["semantic"]!["configurations"]![0]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(SearchMode.Keyword)]
    [InlineData(SearchMode.Vector)]
    [InlineData(SearchMode.Hybrid)]
    public async Task Search_EveryMode_CarriesTheScopeFilter_AndReadsCitations(SearchMode mode)
    {
        service.SearchAnswers.Enqueue(new JsonObject
        {
            ["value"] = new JsonArray(new JsonObject
            {
                ["@search.score"] = 0.5, ["chunkId"] = "doc_1-v1-0", ["documentId"] = "doc_1", ["documentName"] = "manual.pdf", ["content"] = "Dock closes at 17:30.",
                ["headingPath"] = new JsonArray("Manual", "Hours"), ["page"] = 2, ["start"] = 10, ["end"] = 31,
            }),
        });

        var hits = await CreateSut().SearchAsync(new IndexSearch(new IndexScope(Tenant, ["kb_1", "kb_2"]), "dock\" OR (closing*)", [0.1f, 0.2f, 0.3f, 0.4f], 5, mode));

        var body = Assert.Single(service.Requests).Body!;
        Assert.Equal(ExpectedFilter, body["filter"]!.GetValue<string>());
        Assert.Equal(mode != SearchMode.Keyword, body["vectorQueries"] is JsonArray { Count: 1 });
        if (mode != SearchMode.Vector) Assert.Equal("dock OR closing", body["search"]!.GetValue<string>());
        var hit = Assert.Single(hits);
        Assert.Equal(("doc_1", "manual.pdf", 2, 10, 31), (hit.DocumentId, hit.DocumentName, hit.Citation.Page, hit.Citation.Start, hit.Citation.End));
        Assert.Equal(["Manual", "Hours"], hit.Citation.HeadingPath);
        Assert.InRange(hit.Score, 0, 1);
    }

    [Fact]
    public async Task ReplaceDocument_UploadsWithTenantFields_ThenDeletesOnlyStaleKeysFoundUnderTheFilter()
    {
        service.SearchAnswers.Enqueue(new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = "ten_a--doc_1-v1-0" }, new JsonObject { ["id"] = "ten_a--doc_1-v2-0" }) });
        var chunk = new IndexedChunk("doc_1-v2-0", "doc_1", "manual.pdf", 0, "New text.", "hash", new ChunkCitation([], 1, 0, 9), [1, 0, 0, 0]);

        await CreateSut().ReplaceDocumentAsync(IndexScope.Of(Tenant, "kb_1"), "doc_1", [chunk]);

        Assert.Equal(3, service.Requests.Count);
        var upload = service.Requests[0].Body!["value"]!.AsArray().Single()!;
        Assert.Equal("mergeOrUpload", upload["@search.action"]!.GetValue<string>());
        Assert.Equal("ten_a", upload["tenantId"]!.GetValue<string>());
        Assert.Equal("kb_1", upload["knowledgeBaseId"]!.GetValue<string>());
        Assert.Equal("ten_a--doc_1-v2-0", upload["id"]!.GetValue<string>());
        Assert.Equal("tenantId eq 'ten_a' and search.in(knowledgeBaseId, 'kb_1', ',') and documentId eq 'doc_1'", service.Requests[1].Body!["filter"]!.GetValue<string>());
        var deleted = service.Requests[2].Body!["value"]!.AsArray().Single()!;
        Assert.Equal("delete", deleted["@search.action"]!.GetValue<string>());
        Assert.Equal("ten_a--doc_1-v1-0", deleted["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task FindVectors_And_DeleteKnowledgeBase_FilterOnTheTenant()
    {
        service.SearchAnswers.Enqueue(new JsonObject { ["value"] = new JsonArray(new JsonObject { ["contentHash"] = "h1", ["contentVector"] = new JsonArray(0.5, 0.5, 0.5, 0.5) }) });
        service.SearchAnswers.Enqueue(new JsonObject { ["value"] = new JsonArray() });
        var sut = CreateSut();

        var vectors = await sut.FindVectorsAsync(Tenant, ["h1", "h2"]);
        await sut.DeleteKnowledgeBasesAsync(new IndexScope(Tenant, ["kb_1", "kb_2"]));

        Assert.Equal([0.5f, 0.5f, 0.5f, 0.5f], vectors["h1"]);
        Assert.Equal("tenantId eq 'ten_a' and search.in(contentHash, 'h1,h2', ',')", service.Requests[0].Body!["filter"]!.GetValue<string>());
        Assert.Equal(ExpectedFilter, service.Requests[1].Body!["filter"]!.GetValue<string>());
        Assert.Equal(2, service.Requests.Count);
    }

    [Fact]
    public async Task DeleteTenant_FindsKeysByTheTenantFilterAlone_ThenDeletesThemByKey()
    {
        service.SearchAnswers.Enqueue(new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = "ten_a--c1" }, new JsonObject { ["id"] = "ten_a--c2" }) });

        var removed = await CreateSut().DeleteTenantAsync(Tenant);

        Assert.Equal(2, removed);
        Assert.Equal(2, service.Requests.Count);
        var lookup = service.Requests[0].Body!;
        Assert.Equal("tenantId eq 'ten_a'", lookup["filter"]!.GetValue<string>());
        Assert.Equal("id", lookup["select"]!.GetValue<string>());
        var deletes = service.Requests[1].Body!["value"]!.AsArray();
        Assert.All(deletes, d => Assert.Equal("delete", d!["@search.action"]!.GetValue<string>()));
        Assert.Equal(["ten_a--c1", "ten_a--c2"], deletes.Select(d => d!["id"]!.GetValue<string>()));
    }

    private sealed record RecordedRequest(HttpMethod Method, string Path, JsonNode? Body);

    /// <summary>Answers as AI Search does for the calls the adapter makes; queued answers for searches, success for the rest.</summary>
    private sealed class FakeSearchService : HttpMessageHandler
    {
        public List<RecordedRequest> Requests { get; } = [];

        public Queue<JsonObject> SearchAnswers { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var text = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var body = string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text);
            var path = Uri.UnescapeDataString(request.RequestUri!.AbsolutePath);
            Requests.Add(new RecordedRequest(request.Method, path, body));
            JsonNode answer = path switch
            {
                _ when path.EndsWith("/docs/search.post.search", StringComparison.Ordinal) => SearchAnswers.Count > 0 ? SearchAnswers.Dequeue() : new JsonObject { ["value"] = new JsonArray() },
                _ when path.EndsWith("/docs/search.index", StringComparison.Ordinal) => new JsonObject { ["value"] = new JsonArray() },
                _ => body ?? new JsonObject(),
            };
            return new HttpResponseMessage(request.Method == HttpMethod.Put ? HttpStatusCode.Created : HttpStatusCode.OK)
            {
                Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json"),
            };
        }
    }
}
