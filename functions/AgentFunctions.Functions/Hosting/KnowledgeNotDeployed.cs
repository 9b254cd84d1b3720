using AgentFunctions.Common;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Functions.Hosting;

/// <summary>
/// The knowledge ports in the Functions app until their Azure adapters are wired (Blob Storage for content, a queue and
/// blob trigger for ingestion, AI Search with managed-identity embeddings): knowledge bases can be created and listed,
/// and anything that needs stored content, the index or embeddings answers 503 problem+json saying so, rather than a
/// 500 from a missing service. The AI Search index adapter exists (shared/AgentFunctions.Azure/Knowledge) and is
/// tested at the SDK boundary; the embedder there still takes an API key, which this app does not hold.
/// </summary>
public sealed class KnowledgeNotDeployed : IKnowledgeIndex, IKnowledgeContent, IIngestionQueue, ITextEmbedder
{
    private const string Reason =
        "Knowledge documents are not deployed to Azure yet (Blob Storage, the ingestion trigger and the search index are the knowledge issue's open part); the local host serves them.";

    public int Dimensions => 1536;

    public int MaxInputTokens => 8191;

    public int CountInputTokens(string text) => throw Unavailable();

    public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => throw Unavailable();

    public Task ReplaceDocumentAsync(IndexScope scope, string documentId, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default) => throw Unavailable();

    public Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default) => throw Unavailable();

    public Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyDictionary<string, float[]>> FindVectorsAsync(TenantId tenant, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default) =>
        throw Unavailable();

    public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexSearch search, CancellationToken cancellationToken = default) => throw Unavailable();

    public Task PutAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        throw Unavailable();

    public Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, CancellationToken cancellationToken = default) => throw Unavailable();

    public Task DeleteAsync(TenantId tenant, string knowledgeBaseId, string documentId, int? keepFromVersion = null, CancellationToken cancellationToken = default) =>
        Task.CompletedTask;

    public Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default) => Task.CompletedTask;

    // Nothing of a tenant can be stored while knowledge is not deployed, so a tenant deletion finds nothing here.
    Task<long> IKnowledgeIndex.DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken) => Task.FromResult(0L);

    Task<long> IKnowledgeContent.DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default) => throw Unavailable();

    private static FeatureUnavailableException Unavailable() => new(Reason);
}
