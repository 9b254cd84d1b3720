using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The search index port (Azure AI Search in Azure; locally SQLite, searched through in-memory BM25 postings and vectors). Every call carries an
/// <see cref="IndexScope"/> and the adapter puts its tenant and knowledge-base filter into the query itself.
/// </summary>
public interface IKnowledgeIndex
{
    /// <summary>
    /// Replaces every chunk of <paramref name="documentId"/> with <paramref name="chunks"/> in one step: a concurrent search
    /// sees the old chunks or the new ones, never both and never neither.
    /// </summary>
    Task ReplaceDocumentAsync(IndexScope scope, string documentId, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every chunk of the scope's knowledge bases.</summary>
    Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default);

    /// <summary>Deletes every chunk and vector of the tenant, in every knowledge base; returns how many. Idempotent.</summary>
    Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default);

    /// <summary>Vectors already stored in the tenant for these chunk content hashes (so equal text is not embedded twice).</summary>
    Task<IReadOnlyDictionary<string, float[]>> FindVectorsAsync(TenantId tenant, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default);

    /// <summary>
    /// The best <see cref="IndexSearch.TopK"/> chunks, best first, scores in [0, 1]: keyword (BM25), vector (cosine), or
    /// hybrid (reciprocal rank fusion of both).
    /// </summary>
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexSearch search, CancellationToken cancellationToken = default);
}
