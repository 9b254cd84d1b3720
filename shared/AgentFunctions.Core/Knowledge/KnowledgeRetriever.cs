using AgentFunctions.Engine.Knowledge;

namespace AgentFunctions.Knowledge;

/// <summary>The engine's knowledge port over the index: hybrid search in the agent's knowledge bases that still exist.</summary>
public sealed class KnowledgeRetriever(KnowledgeService knowledge, KnowledgeSearch search) : IKnowledgeRetriever
{
    public async Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(KnowledgeQuery query, CancellationToken cancellationToken = default)
    {
        if (query.KnowledgeBaseIds is not { Count: > 0 } || string.IsNullOrWhiteSpace(query.Text)) return [];
        var existing = await knowledge.ExistingAsync(query.Tenant, query.KnowledgeBaseIds, cancellationToken).ConfigureAwait(false);
        if (existing.Count == 0) return [];
        var hits = await search.SearchAsync(new IndexScope(query.Tenant, existing), query.Text, query.TopK, SearchMode.Hybrid, cancellationToken).ConfigureAwait(false);
        return hits.Where(h => h.Score >= query.MinScore)
            .Select(h => new KnowledgeSnippet(h.DocumentId, h.ChunkId, h.DocumentName, h.Content, h.Score, h.Citation.HeadingPath, h.Citation.Page))
            .ToList();
    }
}
