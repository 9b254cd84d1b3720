using AgentFunctions.Common;
using AgentFunctions.Knowledge.Extraction;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Ingests a file dropped into the documents container (Azure: the blob-triggered function) or the watched folder
/// (local: <c>DropFolderWatcher</c>) at <c>{tenantId}/{knowledgeBaseId}/{fileName}</c>: the path is checked, the tenant
/// and knowledge base must exist, and then the file is what an upload of it would be, through the same service: a new
/// document, or a new version of the document holding that name, queued for the same ingestion. A file an upload wrote
/// itself has the bytes its record names, so its event changes nothing. A path that cannot be ingested is logged with
/// the reason and answered <see cref="DropOutcome.Rejected"/>, never thrown, so a bad drop cannot make the trigger retry
/// for ever; store errors do throw, so the trigger retries them.
/// </summary>
public sealed class KnowledgeDrops(IDocumentStore store, IKnowledgeContent content, KnowledgeService knowledge, KnowledgeOptions options, ILogger<KnowledgeDrops> logger)
{
    /// <summary>The <see cref="KnowledgeDocument.CreatedBy"/> of a document that arrived as a drop.</summary>
    public const string DroppedBy = "drop";

    public async Task<DropResult> IngestAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!KnowledgeFilePath.TryParse(path, out var tenant, out var knowledgeBaseId, out var name, out var problem)) return Reject(path, problem!);
        if (await store.For(tenant).GetAsync<Tenant>(tenant.Value, cancellationToken).ConfigureAwait(false) is null)
        {
            return Reject(path, "no tenant has this id");
        }
        if (await store.For(tenant).GetAsync<KnowledgeBase>(knowledgeBaseId, cancellationToken).ConfigureAwait(false) is null)
        {
            return Reject(path, "the tenant has no knowledge base with this id");
        }
        if (DocumentFormats.From(null, name) is not { } format)
        {
            return Reject(path, $"the file type is not supported (extensions .txt, .md, .html, .json, .pdf, .docx)");
        }
        var size = await content.GetSizeAsync(tenant, knowledgeBaseId, name, cancellationToken).ConfigureAwait(false);
        if (size is null) return Gone(path);
        if (size == 0) return Reject(path, "the file is empty");
        if (size > options.MaxDocumentBytes) return Reject(path, $"the file is larger than the limit of {options.MaxDocumentBytes} bytes");
        var bytes = await content.GetAsync(tenant, knowledgeBaseId, name, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return Gone(path);
        if (bytes.Length == 0 || bytes.Length > options.MaxDocumentBytes) return Reject(path, "the file changed size while it was read");

        var contentType = KnowledgeService.ContentTypeOf(null, format);
        var existing = await knowledge.DocumentNamedAsync(tenant, knowledgeBaseId, name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                var created = await knowledge.CreateDocumentAsync(tenant, knowledgeBaseId, name, contentType, format, bytes, DroppedBy, cancellationToken, fileStored: true)
                    .ConfigureAwait(false);
                logger.LogInformation("Dropped file {Path} ({Bytes} bytes) became document {DocumentId}", path, bytes.Length, created.Id);
                return new DropResult(DropOutcome.Created, created.Id);
            }
            catch (ConflictException)
            {
                // An upload claimed the name meanwhile; its own record and job cover the file.
                existing = await knowledge.DocumentNamedAsync(tenant, knowledgeBaseId, name, cancellationToken).ConfigureAwait(false);
                if (existing is null) throw;
            }
        }
        var (document, changed) = await knowledge.ReplaceDocumentAsync(existing, name, contentType, format, bytes, cancellationToken, fileStored: true).ConfigureAwait(false);
        if (!changed) return new DropResult(DropOutcome.Unchanged, document.Id);
        logger.LogInformation("Dropped file {Path} ({Bytes} bytes) replaced document {DocumentId} with version {Version}", path, bytes.Length, document.Id, document.Version);
        return new DropResult(DropOutcome.Replaced, document.Id);
    }

    private DropResult Reject(string path, string reason)
    {
        logger.LogWarning("Dropped file {Path} not ingested: {Reason}", path, reason);
        return new DropResult(DropOutcome.Rejected, Reason: reason);
    }

    private DropResult Gone(string path)
    {
        logger.LogInformation("Dropped file {Path} is gone; nothing to ingest", path);
        return new DropResult(DropOutcome.Gone);
    }
}
