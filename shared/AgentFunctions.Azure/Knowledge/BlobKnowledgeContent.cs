using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// Original files in Blob Storage: the <c>documents</c> container, blob <c>{tenantId}/{knowledgeBaseId}/{fileName}</c>.
/// The client authenticates with the app's managed identity in Azure (Storage Blob Data role) and with Azurite's
/// development connection in tests. An upload is one Put Blob, so a reader sees the old blob or the new one; writing
/// the blob raises the BlobCreated event the drop trigger reads, which finds the document already recorded.
/// </summary>
public sealed class BlobKnowledgeContent(BlobContainerClient container) : IKnowledgeContent
{
    public BlobContainerClient Container { get; } = container;

    public async Task PutAsync(TenantId tenant, string knowledgeBaseId, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var blob = Blob(tenant, knowledgeBaseId, fileName);
        await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        try
        {
            var download = await Blob(tenant, knowledgeBaseId, fileName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return download.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<long?> GetSizeAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await Blob(tenant, knowledgeBaseId, fileName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        var response = await Blob(tenant, knowledgeBaseId, fileName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.Value;
    }

    public async Task<IReadOnlyList<string>> ListAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        var prefix = Prefix(tenant, knowledgeBaseId);
        var names = new List<string>();
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            var name = item.Name[prefix.Length..];
            if (!name.Contains('/')) names.Add(name);
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(tenant, knowledgeBaseId) }, cancellationToken).ConfigureAwait(false))
        {
            await Container.GetBlobClient(item.Name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every blob under the tenant's prefix (all its knowledge bases), for a tenant deletion; returns how many went.</summary>
    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = tenant.Value + "/" }, cancellationToken).ConfigureAwait(false))
        {
            var deleted = await Container.GetBlobClient(item.Name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (deleted.Value) removed++;
        }
        return removed;
    }

    private static string Prefix(TenantId tenant, string knowledgeBaseId) =>
        Ids.LooksValid(knowledgeBaseId) && !knowledgeBaseId.Contains("..", StringComparison.Ordinal)
            ? $"{tenant.Value}/{knowledgeBaseId}/"
            : throw new ArgumentException($"'{knowledgeBaseId}' is not a valid knowledge base id for a blob name.", nameof(knowledgeBaseId));

    private BlobClient Blob(TenantId tenant, string knowledgeBaseId, string fileName) =>
        Container.GetBlobClient(KnowledgeFilePath.FileNameProblem(fileName) is null
            ? Prefix(tenant, knowledgeBaseId) + fileName
            : throw new ArgumentException($"'{fileName}' is not a valid file name.", nameof(fileName)));
}
