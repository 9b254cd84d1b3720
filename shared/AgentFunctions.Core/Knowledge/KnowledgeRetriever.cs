using AgentFunctions.Engine.Knowledge;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The engine's knowledge port over the index: hybrid search in the agent's knowledge bases that still exist. A query
/// that names its <see cref="KnowledgeQuery.Usage"/> is metered here (one query and its embedding tokens), once per cause.
/// </summary>
public sealed class KnowledgeRetriever(KnowledgeService knowledge, KnowledgeSearch search, Usage.KnowledgeUsageMeter? usage = null) : IKnowledgeRetriever
{
    public async Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(KnowledgeQuery query, CancellationToken cancellationToken = default)
    {
        if (query.KnowledgeBaseIds is not { Count: > 0 } || string.IsNullOrWhiteSpace(query.Text)) return [];
        var existing = await knowledge.ExistingAsync(query.Tenant, query.KnowledgeBaseIds, cancellationToken).ConfigureAwait(false);
        if (existing.Count == 0) return [];
        var found = await search.SearchAsync(new IndexScope(query.Tenant, existing), query.Text, query.TopK, SearchMode.Hybrid, cancellationToken).ConfigureAwait(false);
        if (usage is not null && query.Usage is { } cause)
        {
            await usage.RetrievedAsync(query.Tenant, query.AgentId, cause, found.QueryEmbeddingTokens, cancellationToken).ConfigureAwait(false);
        }
        return found.Hits.Where(h => h.Score >= query.MinScore)
            .Select(h => new KnowledgeSnippet(h.DocumentId, h.ChunkId, h.DocumentName, h.Content, h.Score, h.Citation.HeadingPath, h.Citation.Page))
            .ToList();
    }
}
