using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The original files of knowledge bases (Blob Storage in Azure, a folder locally), one per document, at
/// <see cref="KnowledgeFilePath"/> <c>{tenantId}/{knowledgeBaseId}/{fileName}</c> inside the <c>documents</c> container
/// (folder). A file written there by anyone else (an operator's bulk upload, a file copied into the watched folder) is a
/// drop that <see cref="KnowledgeDrops"/> ingests. A replaced document's file is overwritten in place.
/// </summary>
public interface IKnowledgeContent
{
    /// <summary>Writes (or overwrites) the file; a reader sees the old bytes or the new ones, never a part.</summary>
    Task PutAsync(TenantId tenant, string knowledgeBaseId, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The file's bytes, or null when there is none.</summary>
    Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default);

    /// <summary>The file's size in bytes, or null when there is none (read before the bytes, so an oversized drop is never loaded).</summary>
    Task<long?> GetSizeAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default);

    /// <summary>Deletes the file; false when there was none.</summary>
    Task<bool> DeleteAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default);

    /// <summary>The names of the files of one knowledge base, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every file of the knowledge base.</summary>
    Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every stored file of the tenant; returns how many. Idempotent.</summary>
    Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default);
}
