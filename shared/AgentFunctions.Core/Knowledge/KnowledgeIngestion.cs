using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Knowledge.Chunking;
using AgentFunctions.Knowledge.Extraction;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Indexes one document version: extract, chunk, embed what the tenant's index does not hold yet (by chunk content hash),
/// replace the document's chunks in one index step, then mark the document indexed. The file is read from its
/// <see cref="KnowledgeFilePath"/> and must still hold this version's bytes (content hash). A file that cannot be read marks the
/// document failed with the reason and leaves the chunks of the last good version in place. Idempotent per job.
/// </summary>
public sealed class KnowledgeIngestion(
    IDocumentStore store,
    IKnowledgeIndex index,
    IKnowledgeContent content,
    ITextEmbedder embedder,
    KnowledgeOptions options,
    TimeProvider time,
    ILogger<KnowledgeIngestion> logger,
    Usage.KnowledgeUsageMeter? usage = null)
{
    public async Task ProcessAsync(IngestionJob job, CancellationToken cancellationToken = default)
    {
        var documents = store.For(job.Tenant);
        var current = await documents.GetAsync<KnowledgeDocument>(job.DocumentId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Value.Version != job.Version || current.Value.Status != DocumentStatus.Indexing)
        {
            logger.LogDebug("Ingestion of {DocumentId} version {Version} skipped: superseded, deleted or done", job.DocumentId, job.Version);
            return;
        }
        var document = current.Value;
        var kb = (await documents.GetAsync<KnowledgeBase>(document.KnowledgeBaseId, cancellationToken).ConfigureAwait(false))?.Value;
        if (kb is null) return;

        var bytes = await content.GetAsync(job.Tenant, kb.Id, document.Name, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            await FinishAsync(job, current, DocumentStatus.Failed, "The uploaded file is no longer stored; upload it again.", 0, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (KnowledgeService.Hash(bytes) != document.ContentHash)
        {
            // The file was overwritten after this version was recorded (a drop over it): the drop makes its own version.
            logger.LogInformation("Ingestion of {DocumentId} version {Version} skipped: its file changed since; the newer file is ingested as a new version",
                document.Id, document.Version);
            return;
        }

        IReadOnlyList<TextChunk> chunks;
        try
        {
            var blocks = DocumentExtractor.Extract(document.Format, bytes);
            chunks = TextChunker.Split(blocks, ChunkingOptions.For(kb.ChunkTokens, kb.OverlapTokens, embedder));
        }
        catch (ExtractionFailedException ex)
        {
            logger.LogInformation("Document {DocumentId} version {Version} failed extraction: {Reason}", document.Id, document.Version, ex.Message);
            await FinishAsync(job, current, DocumentStatus.Failed, ex.Message, 0, cancellationToken).ConfigureAwait(false);
            return;
        }

        var hashes = chunks.Select(c => ChunkHash(c.EmbeddingText)).ToList();
        var vectors = new Dictionary<string, float[]>(await index.FindVectorsAsync(job.Tenant, hashes.Distinct().ToList(), cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var missing = chunks.Select((c, i) => (Text: c.EmbeddingText, Hash: hashes[i])).Where(c => !vectors.ContainsKey(c.Hash)).DistinctBy(c => c.Hash).ToList();
        foreach (var batch in missing.Chunk(options.EmbeddingBatch))
        {
            var embedded = await embedder.EmbedAsync(batch.Select(b => b.Text).ToList(), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Length; i++) vectors[batch[i].Hash] = embedded[i];
        }
        var indexed = chunks.Select((c, i) => new IndexedChunk($"{document.Id}-v{document.Version}-{c.Ordinal}", document.Id, document.Name, c.Ordinal, c.Content, hashes[i],
            new ChunkCitation(c.HeadingPath, c.Page, c.Start, c.End), vectors[hashes[i]])).ToList();

        var scope = IndexScope.Of(job.Tenant, kb.Id);
        await index.ReplaceDocumentAsync(scope, document.Id, indexed, cancellationToken).ConfigureAwait(false);
        if (!await FinishAsync(job, current, DocumentStatus.Indexed, null, indexed.Count, cancellationToken).ConfigureAwait(false))
        {
            // Deleted while it was being indexed: take its chunks out again. (A newer version's own job replaces them.)
            if (await documents.GetAsync<KnowledgeDocument>(document.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                await index.DeleteDocumentAsync(scope, document.Id, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (usage is not null)
        {
            await usage.IndexedAsync(document, bytes.Length, missing.Sum(m => (long)embedder.CountInputTokens(m.Text)), cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Document {DocumentId} version {Version} indexed: {ChunkCount} chunks, {EmbeddedCount} embedded, {ReusedCount} reused",
            document.Id, document.Version, indexed.Count, missing.Count, hashes.Distinct().Count() - missing.Count);
    }

    /// <summary>Marks a job's version failed after an unexpected error, so it does not stay <c>indexing</c> for ever.</summary>
    public async Task FailAsync(IngestionJob job, string reason, CancellationToken cancellationToken = default)
    {
        var current = await store.For(job.Tenant).GetAsync<KnowledgeDocument>(job.DocumentId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Value.Version != job.Version || current.Value.Status != DocumentStatus.Indexing) return;
        await FinishAsync(job, current, DocumentStatus.Failed, reason, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every document of every tenant still <c>indexing</c>: the jobs a crash may have lost, re-queued at start.</summary>
    public async Task<IReadOnlyList<IngestionJob>> FindUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        var jobs = new List<IngestionJob>();
        var tenants = await store.For(TenantId.Platform).ListAsync<TenantDirectoryEntry>(cancellationToken).ConfigureAwait(false);
        foreach (var tenant in tenants)
        {
            // A directory entry lives in the platform partition; its id is the tenant id.
            var pending = await store.For(new TenantId(tenant.Value.Id)).ListAsync<KnowledgeDocument>(cancellationToken,
                new FieldEquals("status", "indexing")).ConfigureAwait(false);
            jobs.AddRange(pending.Select(d => new IngestionJob(d.Value.TenantId, d.Value.KnowledgeBaseId, d.Value.Id, d.Value.Version)));
        }
        return jobs;
    }

    private async Task<bool> FinishAsync(IngestionJob job, Versioned<KnowledgeDocument> read, DocumentStatus status, string? reason, int chunkCount, CancellationToken cancellationToken)
    {
        var document = read.Value;
        var finished = document with
        {
            Status = status,
            Reason = reason,
            ChunkCount = status == DocumentStatus.Indexed ? chunkCount : document.ChunkCount,
            IndexedVersion = status == DocumentStatus.Indexed ? document.Version : document.IndexedVersion,
            UpdatedAt = time.GetUtcNow(),
        };
        try
        {
            await store.For(job.Tenant).ReplaceAsync(finished, read.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is DocumentPreconditionFailedException or DocumentMissingException)
        {
            return false;
        }
    }

    /// <summary>SHA-256 of the text's UTF-8 bytes, lower-case hex; the bytes go through a pooled buffer, not a new array per chunk.</summary>
    public static string ChunkHash(string text)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = 0;
        try
        {
            length = Encoding.UTF8.GetBytes(text, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            // The pool is shared by every tenant's work: no chunk text is left in it.
            buffer.AsSpan(0, length).Clear();
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
