using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The original uploaded files (Blob Storage in Azure, a folder locally), one per document version, kept until ingestion
/// has read them and the document is replaced or deleted.
/// </summary>
public interface IKnowledgeContent
{
    Task PutAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The bytes of one version, or null when gone.</summary>
    Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, CancellationToken cancellationToken = default);

    /// <summary>Deletes the versions of a document older than <paramref name="keepFromVersion"/> (all of them when null).</summary>
    Task DeleteAsync(TenantId tenant, string knowledgeBaseId, string documentId, int? keepFromVersion = null, CancellationToken cancellationToken = default);

    Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every stored file of the tenant; returns how many. Idempotent.</summary>
    Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default);
}
