using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// The tenant's partition of the document store, every kind: exported page by page (minus stored secret hashes), and
/// deleted page by page (a batch of deletes per page, read again from the start, so an interrupted deletion simply
/// continues). A store that keeps deleted bytes until it compacts (<see cref="ICompactingStore"/>) is compacted by the
/// deletion service once everything, the directory entry included, is gone.
/// </summary>
public sealed class DocumentsTenantData(IDocumentStore store) : ITenantDataStore
{
    /// <summary>Records per page, and per delete batch (Cosmos caps a transactional batch at 100).</summary>
    public const int PageSize = 100;

    /// <summary>Records per export page: larger, as nothing is written per page and every page is one store query.</summary>
    public const int ExportPageSize = 500;

    /// <summary>Top-level fields never exported: hashes of key secrets are not data of the tenant's and help an attacker.</summary>
    private static readonly string[] SecretFields = ["secret_hash"];

    private static readonly byte[][] SecretFieldNames = SecretFields.Select(f => System.Text.Encoding.UTF8.GetBytes($"\"{f}\"")).ToArray();

    public string Name => "documents";

    public TenantDataStage Stage => TenantDataStage.Records;

    public async IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var documents = store.For(tenant);
        string? continuation = null;
        do
        {
            var page = await documents.ReadPartitionPageAsync(new DocumentPageRequest(ExportPageSize, continuation), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items) yield return new TenantRecord(item.Kind, item.Id, WithoutSecrets(item.Json));
            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) =>
        DeleteAllAsync(store.For(tenant), _ => true, cancellationToken);

    /// <summary>
    /// Deletes every record of the partition that <paramref name="select"/> picks, one page and one batch at a time, and
    /// returns how many it deleted. Run again after a crash, it finds only what is left.
    /// </summary>
    public static async Task<long> DeleteAllAsync(ITenantDocuments documents, Func<StoredDocument, bool> select, CancellationToken cancellationToken)
    {
        long removed = 0;
        string? continuation = null;
        while (true)
        {
            var page = await documents.ReadPartitionPageAsync(new DocumentPageRequest(PageSize, continuation), cancellationToken).ConfigureAwait(false);
            var doomed = page.Items.Where(select).Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList();
            if (doomed.Count > 0)
            {
                try
                {
                    await documents.CommitAsync(doomed, cancellationToken).ConfigureAwait(false);
                    removed += doomed.Count;
                }
                catch (DocumentMissingException)
                {
                    // Another deleter got to one of them first: read this page again.
                    continue;
                }
            }
            // A continuation resumes after the last item seen, deleted or not (the store contract), so the scan moves on.
            if (page.Continuation is null) return removed;
            continuation = page.Continuation;
        }
    }

    private static ReadOnlyMemory<byte> WithoutSecrets(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        var found = false;
        foreach (var name in SecretFieldNames) found |= span.IndexOf(name) >= 0;
        if (!found) return json;
        var node = JsonNode.Parse(json.Span)!.AsObject();
        foreach (var field in SecretFields) node.Remove(field);
        return JsonSerializer.SerializeToUtf8Bytes(node);
    }
}
