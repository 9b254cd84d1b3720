using System.Security.Cryptography;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Knowledge.Extraction;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Knowledge bases and their documents. Changes need <see cref="Permission.ManageKnowledge"/>; reads and queries need
/// <see cref="Permission.ViewAgents"/> (what a user may read is what the agents they can see read). Knowledge bases are
/// tenant-wide, like tools. An upload stores the file, writes the document as <c>indexing</c> and queues the ingestion; the
/// document record in that status is the durable outbox (<see cref="KnowledgeIngestion.FindUnfinishedAsync"/>).
/// </summary>
public sealed class KnowledgeService(
    IDocumentStore store,
    IKnowledgeIndex index,
    IKnowledgeContent content,
    IIngestionQueue queue,
    KnowledgeSearch search,
    AgentService agents,
    KnowledgeOptions options,
    TimeProvider time,
    ILogger<KnowledgeService> logger,
    Usage.KnowledgeUsageMeter? usage = null,
    Usage.UsageLimits? limits = null)
{
    private const int DeleteBatch = 90;

    public async Task<KnowledgeBase> CreateAsync(Caller caller, KnowledgeBaseInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageKnowledge);
        var chunkTokens = input.ChunkTokens ?? options.DefaultChunkTokens;
        var overlap = input.OverlapTokens ?? Math.Min(options.DefaultOverlapTokens, chunkTokens / 2);
        new Validation()
            .RequireName(input.Name, "name", 200)
            .Require(input.Description is null || input.Description.Length <= 2000, "description", "must be at most 2000 characters")
            .Require(chunkTokens >= 32 && chunkTokens <= options.MaxChunkTokens, "chunk_tokens", $"must be between 32 and {options.MaxChunkTokens} (o200k tokens)")
            .Require(overlap >= 0 && overlap <= chunkTokens / 2, "overlap_tokens", "must be between 0 and half of chunk_tokens")
            .ThrowIfInvalid();
        var kb = new KnowledgeBase(Ids.New("kb"), caller.Tenant, input.Name!.Trim(), input.Description, chunkTokens, overlap, caller.UserId, time.GetUtcNow());
        await store.For(caller.Tenant).CreateAsync(kb, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Knowledge base {KnowledgeBaseId} created by {UserId} in tenant {TenantId}", kb.Id, caller.UserId, caller.Tenant.Value);
        return kb;
    }

    public async Task<ListPage<KnowledgeBase>> ListAsync(Caller caller, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var page = await ListCursor.ReadAsync<KnowledgeBase>(store.For(caller.Tenant), "knowledge_bases", request, newestFirst: false, cancellationToken).ConfigureAwait(false);
        return page.Select(v => v.Value);
    }

    public async Task<KnowledgeBase> GetAsync(Caller caller, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        return await FindAsync(caller.Tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the knowledge base with every document, chunk and stored file. The index goes first, so nothing searchable outlives the record.</summary>
    public async Task DeleteAsync(Caller caller, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageKnowledge);
        var kb = await FindAsync(caller.Tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
        var partition = store.For(caller.Tenant);
        await index.DeleteKnowledgeBasesAsync(IndexScope.Of(caller.Tenant, kb.Id), cancellationToken).ConfigureAwait(false);
        var documents = await partition.ListAsync<KnowledgeDocument>(cancellationToken, new FieldEquals("knowledge_base_id", kb.Id)).ConfigureAwait(false);
        // Documents first, in batches a Cosmos transactional batch accepts (at most 100 operations), the knowledge base
        // last: an interrupted delete leaves the knowledge base in place, so it can be deleted again.
        var names = await partition.ListAsync<KnowledgeDocumentName>(cancellationToken, new FieldEquals("knowledge_base_id", kb.Id)).ConfigureAwait(false);
        var deletes = documents.Select(d => DocumentWrite.Delete(KnowledgeDocument.Kind, d.Value.Id))
            .Concat(names.Select(n => DocumentWrite.Delete(KnowledgeDocumentName.Kind, n.Value.Id)));
        foreach (var batch in deletes.Chunk(DeleteBatch))
        {
            await partition.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        await partition.CommitAsync([DocumentWrite.Delete(KnowledgeBase.Kind, kb.Id)], cancellationToken).ConfigureAwait(false);
        await content.DeleteKnowledgeBaseAsync(caller.Tenant, kb.Id, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Knowledge base {KnowledgeBaseId} deleted with {DocumentCount} documents by {UserId}", kb.Id, documents.Count, caller.UserId);
    }

    /// <summary>
    /// Stores a new document (version 1) as <c>indexing</c> with its name claim, then its file at
    /// <see cref="KnowledgeFilePath"/>, then queues its ingestion. The record goes first: a drop handler that sees the file
    /// finds the record it belongs to. A name already taken in the knowledge base is a conflict (replace that document).
    /// </summary>
    public async Task<KnowledgeDocument> UploadAsync(Caller caller, string knowledgeBaseId, string? name, string? mediaType, ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageKnowledge);
        var kb = await FindAsync(caller.Tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
        var (cleanName, format) = CheckUpload(name, mediaType, file);
        var document = await CreateDocumentAsync(caller.Tenant, kb.Id, cleanName, ContentTypeOf(mediaType, format), format, file, caller.UserId, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Document {DocumentId} ({Format}, {Bytes} bytes) uploaded to knowledge base {KnowledgeBaseId} by {UserId}",
            document.Id, format, file.Length, kb.Id, caller.UserId);
        return document;
    }

    /// <summary>
    /// Writes a new document record with its name claim, stores the file unless it is there already (a drop), and
    /// queues the ingestion. Used by uploads and by <see cref="KnowledgeDrops"/>.
    /// </summary>
    internal async Task<KnowledgeDocument> CreateDocumentAsync(TenantId tenant, string knowledgeBaseId, string name, string contentType, FileFormat format,
        ReadOnlyMemory<byte> file, string createdBy, CancellationToken cancellationToken, bool fileStored = false)
    {
        // The plan's document count and stored bytes hold for drops as for uploads.
        if (limits is not null) await limits.EnsureDocumentSlotAsync(tenant, file.Length, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var document = new KnowledgeDocument(Ids.New("doc"), tenant, knowledgeBaseId, name, contentType, format, file.Length, Hash(file.Span),
            Version: 1, DocumentStatus.Indexing, Reason: null, ChunkCount: 0, IndexedVersion: null, createdBy, now, now);
        var partition = store.For(tenant);
        try
        {
            await partition.CommitAsync([
                TypedDocuments.Write(DocumentWriteMode.Create, partition, document),
                TypedDocuments.Write(DocumentWriteMode.Create, partition, KnowledgeDocumentName.For(document)),
            ], cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            throw NameTaken(await DocumentNamedAsync(tenant, knowledgeBaseId, name, cancellationToken).ConfigureAwait(false), name);
        }
        if (!fileStored)
        {
            try
            {
                await content.PutAsync(tenant, knowledgeBaseId, name, file, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await partition.CommitAsync([
                    DocumentWrite.Delete(KnowledgeDocument.Kind, document.Id),
                    DocumentWrite.Delete(KnowledgeDocumentName.Kind, KnowledgeDocumentName.IdFor(knowledgeBaseId, name)),
                ], CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        await queue.EnqueueAsync(new IngestionJob(tenant, knowledgeBaseId, document.Id, 1), cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>
    /// Replaces a document's content with a new version. The same bytes as the current version change nothing (nothing is
    /// re-embedded) and answer <c>changed: false</c>.
    /// </summary>
    public async Task<(KnowledgeDocument Document, bool Changed)> ReplaceAsync(Caller caller, string knowledgeBaseId, string documentId, string? name, string? mediaType,
        ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageKnowledge);
        var current = await FindDocumentAsync(caller.Tenant, knowledgeBaseId, documentId, cancellationToken).ConfigureAwait(false);
        var (cleanName, format) = CheckUpload(name ?? current.Value.Name, mediaType, file);
        var result = await ReplaceDocumentAsync(current, cleanName, ContentTypeOf(mediaType, format), format, file, cancellationToken).ConfigureAwait(false);
        if (result.Changed) logger.LogInformation("Document {DocumentId} replaced with version {Version} by {UserId}", documentId, result.Document.Version, caller.UserId);
        return result;
    }

    /// <summary>
    /// A new version of a document: the record (and, for a new name, its claim) first, then the file unless a drop
    /// wrote it already, then the job. Unchanged bytes under the same name do nothing.
    /// </summary>
    internal async Task<(KnowledgeDocument Document, bool Changed)> ReplaceDocumentAsync(Versioned<KnowledgeDocument> current, string name, string contentType, FileFormat format,
        ReadOnlyMemory<byte> file, CancellationToken cancellationToken, bool fileStored = false)
    {
        var hash = Hash(file.Span);
        var old = current.Value;
        if (hash == old.ContentHash && name == old.Name && old.Status != DocumentStatus.Failed)
        {
            return (old, false);
        }
        var version = old.Version + 1;
        var replaced = old with
        {
            Name = name, ContentType = contentType, Format = format, SizeBytes = file.Length, ContentHash = hash,
            Version = version, Status = DocumentStatus.Indexing, Reason = null, UpdatedAt = time.GetUtcNow(),
        };
        var partition = store.For(old.TenantId);
        var writes = new List<DocumentWrite> { TypedDocuments.Write(DocumentWriteMode.Replace, partition, replaced, current.ETag) };
        var renamed = name != old.Name;
        if (renamed)
        {
            if (await partition.GetAsync<KnowledgeDocumentName>(KnowledgeDocumentName.IdFor(old.KnowledgeBaseId, old.Name), cancellationToken).ConfigureAwait(false) is not null)
            {
                writes.Add(DocumentWrite.Delete(KnowledgeDocumentName.Kind, KnowledgeDocumentName.IdFor(old.KnowledgeBaseId, old.Name)));
            }
            writes.Add(TypedDocuments.Write(DocumentWriteMode.Create, partition, KnowledgeDocumentName.For(replaced)));
        }
        try
        {
            await partition.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            throw NameTaken(await DocumentNamedAsync(old.TenantId, old.KnowledgeBaseId, name, cancellationToken).ConfigureAwait(false), name);
        }
        if (!fileStored)
        {
            try
            {
                await content.PutAsync(old.TenantId, old.KnowledgeBaseId, name, file, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The record names bytes that were not stored: say so rather than leave it indexing for ever.
                var written = await partition.GetAsync<KnowledgeDocument>(old.Id, CancellationToken.None).ConfigureAwait(false);
                if (written is not null && written.Value.Version == version)
                {
                    await partition.ReplaceAsync(written.Value with { Status = DocumentStatus.Failed, Reason = "The file could not be stored; upload it again." },
                        written.ETag, CancellationToken.None).ConfigureAwait(false);
                }
                throw;
            }
        }
        if (renamed) await content.DeleteAsync(old.TenantId, old.KnowledgeBaseId, old.Name, cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(new IngestionJob(old.TenantId, old.KnowledgeBaseId, old.Id, version), cancellationToken).ConfigureAwait(false);
        return (replaced, true);
    }

    /// <summary>The document holding <paramref name="name"/> in the knowledge base, if any.</summary>
    internal async Task<Versioned<KnowledgeDocument>?> DocumentNamedAsync(TenantId tenant, string knowledgeBaseId, string name, CancellationToken cancellationToken)
    {
        var partition = store.For(tenant);
        var claim = await partition.GetAsync<KnowledgeDocumentName>(KnowledgeDocumentName.IdFor(knowledgeBaseId, name), cancellationToken).ConfigureAwait(false);
        if (claim is null) return null;
        var document = await partition.GetAsync<KnowledgeDocument>(claim.Value.DocumentId, cancellationToken).ConfigureAwait(false);
        return document is not null && document.Value.KnowledgeBaseId == knowledgeBaseId && document.Value.Name == name ? document : null;
    }

    private static ConflictException NameTaken(Versioned<KnowledgeDocument>? holder, string name) =>
        new(holder is null
            ? $"A document named '{name}' is being written in this knowledge base; try again."
            : $"A document named '{name}' exists in this knowledge base ({holder.Value.Id}); replace it with PUT .../documents/{holder.Value.Id}.");

    public async Task<ListPage<KnowledgeDocument>> ListDocumentsAsync(Caller caller, string knowledgeBaseId, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var kb = await FindAsync(caller.Tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
        var page = await ListCursor.ReadAsync<KnowledgeDocument>(store.For(caller.Tenant), $"documents:{kb.Id}", request, newestFirst: false, cancellationToken,
            new FieldEquals("knowledge_base_id", kb.Id)).ConfigureAwait(false);
        return page.Select(v => v.Value);
    }

    public async Task<KnowledgeDocument> GetDocumentAsync(Caller caller, string knowledgeBaseId, string documentId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        return (await FindDocumentAsync(caller.Tenant, knowledgeBaseId, documentId, cancellationToken).ConfigureAwait(false)).Value;
    }

    public async Task DeleteDocumentAsync(Caller caller, string knowledgeBaseId, string documentId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageKnowledge);
        var current = await FindDocumentAsync(caller.Tenant, knowledgeBaseId, documentId, cancellationToken).ConfigureAwait(false);
        var partition = store.For(caller.Tenant);
        await index.DeleteDocumentAsync(IndexScope.Of(caller.Tenant, knowledgeBaseId), documentId, cancellationToken).ConfigureAwait(false);
        var writes = new List<DocumentWrite> { DocumentWrite.Delete(KnowledgeDocument.Kind, documentId) };
        var claimId = KnowledgeDocumentName.IdFor(knowledgeBaseId, current.Value.Name);
        if (await partition.GetAsync<KnowledgeDocumentName>(claimId, cancellationToken).ConfigureAwait(false) is { } claim && claim.Value.DocumentId == documentId)
        {
            writes.Add(DocumentWrite.Delete(KnowledgeDocumentName.Kind, claimId));
        }
        await partition.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
        await content.DeleteAsync(caller.Tenant, knowledgeBaseId, current.Value.Name, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Document {DocumentId} deleted from knowledge base {KnowledgeBaseId} by {UserId}", current.Value.Id, knowledgeBaseId, caller.UserId);
    }

    public async Task<KnowledgeHits> QueryAsync(Caller caller, string knowledgeBaseId, KnowledgeQueryInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var kb = await FindAsync(caller.Tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
        var (text, topK, mode) = CheckQuery(input, options.DefaultTopK);
        var found = await search.SearchAsync(IndexScope.Of(caller.Tenant, kb.Id), text, topK, mode, cancellationToken).ConfigureAwait(false);
        if (usage is not null) await usage.QueriedAsync(caller, null, found.QueryEmbeddingTokens, cancellationToken).ConfigureAwait(false);
        return new KnowledgeHits(found.Hits);
    }

    /// <summary>What the agent would retrieve: its knowledge bases, its top_k and min_score unless the query names a top_k.</summary>
    public async Task<KnowledgeHits> QueryAgentAsync(Caller caller, string agentId, KnowledgeQueryInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var agent = (await agents.GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false)).Value;
        var settings = agent.Spec.Knowledge;
        var (text, topK, mode) = CheckQuery(input, settings.TopK);
        var existing = await ExistingAsync(caller.Tenant, settings.KnowledgeBaseIds ?? [], cancellationToken).ConfigureAwait(false);
        if (existing.Count == 0) return new KnowledgeHits([]);
        var found = await search.SearchAsync(new IndexScope(caller.Tenant, existing), text, topK, mode, cancellationToken).ConfigureAwait(false);
        if (usage is not null) await usage.QueriedAsync(caller, agentId, found.QueryEmbeddingTokens, cancellationToken).ConfigureAwait(false);
        return new KnowledgeHits(found.Hits.Where(h => h.Score >= settings.MinScore).ToList());
    }

    /// <summary>The ids of <paramref name="knowledgeBaseIds"/> that exist in the tenant.</summary>
    public async Task<IReadOnlyList<string>> ExistingAsync(TenantId tenant, IReadOnlyList<string> knowledgeBaseIds, CancellationToken cancellationToken = default)
    {
        var partition = store.For(tenant);
        var found = new List<string>();
        foreach (var id in knowledgeBaseIds.Distinct(StringComparer.Ordinal))
        {
            if (Ids.LooksValid(id) && await partition.GetAsync<KnowledgeBase>(id, cancellationToken).ConfigureAwait(false) is not null) found.Add(id);
        }
        return found;
    }

    private (string Text, int TopK, SearchMode Mode) CheckQuery(KnowledgeQueryInput input, int defaultTopK)
    {
        var topK = input.TopK ?? defaultTopK;
        new Validation()
            .RequireText(input.Query, "query", 4000)
            .Require(topK >= 1 && topK <= options.MaxTopK, "top_k", $"must be between 1 and {options.MaxTopK}")
            .ThrowIfInvalid();
        return (input.Query!, topK, input.Mode ?? SearchMode.Hybrid);
    }

    private (string Name, FileFormat Format) CheckUpload(string? name, string? mediaType, ReadOnlyMemory<byte> file)
    {
        var v = new Validation().RequireName(name, "name", KnowledgeFilePath.MaxFileNameLength);
        if (name is not null && KnowledgeFilePath.FileNameProblem(name.Trim()) is { } problem) v.Add("name", problem);
        if (file.IsEmpty) v.Add("file", "is empty");
        if (file.Length > options.MaxDocumentBytes) v.Add("file", $"is larger than the limit of {options.MaxDocumentBytes} bytes");
        v.ThrowIfInvalid();
        var format = DocumentFormats.From(mediaType, name!)
            ?? throw new UnsupportedDocumentTypeException($"'{mediaType}' documents are not supported; send one of {DocumentFormats.Supported} (or application/octet-stream with a known file extension).");
        return (name!.Trim(), format);
    }

    internal static string ContentTypeOf(string? mediaType, FileFormat format) =>
        string.IsNullOrWhiteSpace(mediaType) || mediaType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            ? format switch
            {
                FileFormat.Text => "text/plain",
                FileFormat.Markdown => "text/markdown",
                FileFormat.Html => "text/html",
                FileFormat.Json => "application/json",
                FileFormat.Pdf => "application/pdf",
                _ => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            }
            : mediaType.Split(';')[0].Trim().ToLowerInvariant();

    public static string Hash(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<KnowledgeBase> FindAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken) =>
        (Ids.LooksValid(knowledgeBaseId) ? (await store.For(tenant).GetAsync<KnowledgeBase>(knowledgeBaseId, cancellationToken).ConfigureAwait(false))?.Value : null)
        ?? throw new NotFoundException("Knowledge base");

    private async Task<Versioned<KnowledgeDocument>> FindDocumentAsync(TenantId tenant, string knowledgeBaseId, string documentId, CancellationToken cancellationToken)
    {
        await FindAsync(tenant, knowledgeBaseId, cancellationToken).ConfigureAwait(false);
        var document = Ids.LooksValid(documentId) ? await store.For(tenant).GetAsync<KnowledgeDocument>(documentId, cancellationToken).ConfigureAwait(false) : null;
        return document is not null && document.Value.KnowledgeBaseId == knowledgeBaseId ? document : throw new NotFoundException("Document");
    }
}
