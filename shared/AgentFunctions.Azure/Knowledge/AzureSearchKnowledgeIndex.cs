using System.Text.RegularExpressions;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using SearchMode = AgentFunctions.Knowledge.SearchMode;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Azure.Search.Documents.Indexes.Models;
using Azure.Search.Documents.Models;

namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// The knowledge index on Azure AI Search: one index for every tenant, <c>tenantId</c> and <c>knowledgeBaseId</c>
/// filterable, and every query, lookup and delete sends the filter <see cref="ScopeFilter"/> builds, so no request can
/// reach another tenant's chunks. Hybrid is the service's own fusion of BM25 and HNSW vector results (reciprocal rank
/// fusion, k = 60), normalised to [0, 1] like the local index. AI Search has no transactions: a replacement uploads the new
/// chunks, then deletes the old ones, so for that moment a query may see both versions (the local index has no such window).
/// </summary>
public sealed partial class AzureSearchKnowledgeIndex(SearchIndexClient indexes, AzureSearchIndexOptions options) : IKnowledgeIndex
{
    public const string VectorProfile = "chunk-vectors";
    public const string SemanticConfiguration = "chunks";
    private readonly SearchClient search = indexes.GetSearchClient(options.IndexName);

    /// <summary>The index schema this adapter needs; created or updated at start.</summary>
    public SearchIndex Schema() => new(options.IndexName)
    {
        Fields =
        {
            new SimpleField("id", SearchFieldDataType.String) { IsKey = true, IsFilterable = true },
            new SimpleField("tenantId", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("knowledgeBaseId", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("documentId", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("chunkId", SearchFieldDataType.String),
            new SearchableField("documentName") { IsFilterable = false },
            new SimpleField("ordinal", SearchFieldDataType.Int32),
            new SearchableField("content") { AnalyzerName = LexicalAnalyzerName.EnMicrosoft },
            new SimpleField("contentHash", SearchFieldDataType.String) { IsFilterable = true },
            new SearchableField("headingPath", collection: true),
            new SimpleField("page", SearchFieldDataType.Int32),
            new SimpleField("start", SearchFieldDataType.Int32),
            new SimpleField("end", SearchFieldDataType.Int32),
            new SearchField("contentVector", SearchFieldDataType.Collection(SearchFieldDataType.Single))
            {
                IsSearchable = true,
                VectorSearchDimensions = options.Dimensions,
                VectorSearchProfileName = VectorProfile,
            },
        },
        VectorSearch = new VectorSearch
        {
            Algorithms = { new HnswAlgorithmConfiguration("hnsw") { Parameters = new HnswParameters { Metric = VectorSearchAlgorithmMetric.Cosine } } },
            Profiles = { new VectorSearchProfile(VectorProfile, "hnsw") },
        },
        SemanticSearch = new SemanticSearch
        {
            Configurations =
            {
                new SemanticConfiguration(SemanticConfiguration, new SemanticPrioritizedFields
                {
                    TitleField = new SemanticField("documentName"),
                    ContentFields = { new SemanticField("content") },
                    KeywordsFields = { new SemanticField("headingPath") },
                }),
            },
        },
    };

    public Task EnsureIndexAsync(CancellationToken cancellationToken = default) => indexes.CreateOrUpdateIndexAsync(Schema(), cancellationToken: cancellationToken);

    public async Task ReplaceDocumentAsync(IndexScope scope, string documentId, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        var kb = Single(scope);
        var fresh = chunks.Select(c => Key(scope.Tenant, c.ChunkId)).ToHashSet(StringComparer.Ordinal);
        if (chunks.Count > 0)
        {
            foreach (var batch in chunks.Chunk(500))
            {
                await search.IndexDocumentsAsync(IndexDocumentsBatch.MergeOrUpload(batch.Select(c => ToDocument(scope.Tenant, kb, c))), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        var stale = (await KeysAsync(ScopeFilter(scope) + $" and documentId eq '{Quote(documentId)}'", cancellationToken).ConfigureAwait(false)).Where(k => !fresh.Contains(k)).ToList();
        await DeleteKeysAsync(stale, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default) =>
        await DeleteKeysAsync(await KeysAsync(ScopeFilter(scope) + $" and documentId eq '{Quote(documentId)}'", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) =>
        await DeleteKeysAsync(await KeysAsync(ScopeFilter(scope), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Every chunk of the tenant, in any knowledge base: the tenant filter alone, then deletes by key.</summary>
    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var keys = await KeysAsync(TenantFilter(tenant), cancellationToken).ConfigureAwait(false);
        await DeleteKeysAsync(keys, cancellationToken).ConfigureAwait(false);
        return keys.Count;
    }

    /// <summary>The filter of a whole-tenant request (deletion): the tenant and nothing else.</summary>
    public static string TenantFilter(TenantId tenant) => $"tenantId eq '{Quote(tenant.Value)}'";

    public async Task<IReadOnlyDictionary<string, float[]>> FindVectorsAsync(TenantId tenant, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var batch in contentHashes.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            var query = new SearchOptions
            {
                Filter = $"tenantId eq '{Quote(tenant.Value)}' and search.in(contentHash, '{string.Join(",", batch.Select(Quote))}', ',')",
                Size = batch.Length * 4,
                Select = { "contentHash", "contentVector" },
            };
            var response = await search.SearchAsync<SearchDocument>("*", query, cancellationToken).ConfigureAwait(false);
            await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
            {
                if (result.Document.TryGetValue("contentVector", out var raw) && raw is IEnumerable<object> values)
                {
                    found[(string)result.Document["contentHash"]] = values.Select(Convert.ToSingle).ToArray();
                }
            }
        }
        return found;
    }

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexSearch request, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.TopK, 1);
        var query = new SearchOptions { Filter = ScopeFilter(request.Scope), Size = request.TopK, IncludeTotalCount = false };
        foreach (var field in new[] { "chunkId", "documentId", "documentName", "content", "headingPath", "page", "start", "end" }) query.Select.Add(field);
        string? text = null;
        if (request.Mode != SearchMode.Vector)
        {
            text = Words(request.Text);
            query.SearchFields.Add("content");
            query.SearchFields.Add("headingPath");
            query.SearchMode = global::Azure.Search.Documents.Models.SearchMode.Any;
        }
        if (request.Mode != SearchMode.Keyword)
        {
            var vector = request.Vector ?? throw new ArgumentException("Vector and hybrid searches need the query's vector.", nameof(request));
            query.VectorSearch = new VectorSearchOptions();
            query.VectorSearch.Queries.Add(new VectorizedQuery(vector) { KNearestNeighborsCount = request.TopK * (request.Mode == SearchMode.Hybrid ? 4 : 1), Fields = { "contentVector" } });
        }
        if (request.Mode == SearchMode.Keyword && string.IsNullOrEmpty(text)) return [];
        var response = await search.SearchAsync<SearchDocument>(text, query, cancellationToken).ConfigureAwait(false);
        var hits = new List<KnowledgeHit>();
        await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
        {
            hits.Add(ToHit(result.Document, Normalise(result.Score ?? 0, request.Mode)));
        }
        return hits;
    }

    /// <summary>The tenant and knowledge-base filter every request carries.</summary>
    public static string ScopeFilter(IndexScope scope) =>
        $"tenantId eq '{Quote(scope.Tenant.Value)}' and search.in(knowledgeBaseId, '{string.Join(",", scope.KnowledgeBaseIds.Select(Quote))}', ',')";

    // BM25 scores are unbounded (s / (1 + s)); cosine scores already lie in (0, 1]; hybrid is a fused rank sum (at most 2 / 61).
    private static double Normalise(double score, SearchMode mode) => Math.Round(mode switch
    {
        SearchMode.Keyword => score / (1 + score),
        SearchMode.Vector => Math.Clamp(score, 0, 1),
        _ => Math.Clamp(score / (2.0 / (RankFusion.K + 1)), 0, 1),
    }, 6);

    private async Task<List<string>> KeysAsync(string filter, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        while (true)
        {
            var query = new SearchOptions { Filter = filter, Size = 1000, Skip = keys.Count, Select = { "id" } };
            var response = await search.SearchAsync<SearchDocument>("*", query, cancellationToken).ConfigureAwait(false);
            var page = 0;
            await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
            {
                keys.Add((string)result.Document["id"]);
                page++;
            }
            if (page < 1000) return keys;
        }
    }

    private async Task DeleteKeysAsync(List<string> keys, CancellationToken cancellationToken)
    {
        foreach (var batch in keys.Chunk(500))
        {
            await search.IndexDocumentsAsync(IndexDocumentsBatch.Delete("id", batch), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private static SearchDocument ToDocument(TenantId tenant, string kb, IndexedChunk chunk) => new()
    {
        ["id"] = Key(tenant, chunk.ChunkId),
        ["tenantId"] = tenant.Value,
        ["knowledgeBaseId"] = kb,
        ["documentId"] = chunk.DocumentId,
        ["chunkId"] = chunk.ChunkId,
        ["documentName"] = chunk.DocumentName,
        ["ordinal"] = chunk.Ordinal,
        ["content"] = chunk.Content,
        ["contentHash"] = chunk.ContentHash,
        ["headingPath"] = chunk.Citation.HeadingPath.ToArray(),
        ["page"] = chunk.Citation.Page,
        ["start"] = chunk.Citation.Start,
        ["end"] = chunk.Citation.End,
        ["contentVector"] = chunk.Vector,
    };

    private static KnowledgeHit ToHit(SearchDocument document, double score) => new(
        (string)document["chunkId"], (string)document["documentId"], (string)document["documentName"], (string)document["content"], score,
        new ChunkCitation(
            document.TryGetValue("headingPath", out var path) && path is IEnumerable<object> parts ? parts.Select(p => p.ToString()!).ToList() : [],
            document.TryGetValue("page", out var page) && page is not null ? Convert.ToInt32(page, System.Globalization.CultureInfo.InvariantCulture) : null,
            Convert.ToInt32(document["start"], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt32(document["end"], System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Keys are unique across tenants (one index serves them all) and use only the characters keys allow.</summary>
    private static string Key(TenantId tenant, string chunkId) => $"{tenant.Value}--{chunkId}".Replace('.', '_');

    private static string Single(IndexScope scope) =>
        scope.KnowledgeBaseIds.Count == 1 ? scope.KnowledgeBaseIds[0] : throw new ArgumentException("A document belongs to one knowledge base.", nameof(scope));

    // Ids are ours (letters, digits, '_', '-', '.'); quoting still doubles quotes and refuses the search.in separator.
    private static string Quote(string value) =>
        value.Contains(',', StringComparison.Ordinal) ? throw new ArgumentException("An id in a filter must not contain ','.", nameof(value)) : value.Replace("'", "''", StringComparison.Ordinal);

    /// <summary>The query's words only: no simple-query-syntax operators from user text.</summary>
    private static string Words(string text) => string.Join(' ', Term().Matches(text).Select(m => m.Value).Take(64));

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Term();
}
