using AgentFunctions.Common;

namespace AgentFunctions.Storage;

/// <summary>
/// The document port (Cosmos DB in Azure, a file-backed log locally). The only way in is
/// <see cref="For"/>, so every read, query and write is bound to one tenant partition by shape.
/// </summary>
public interface IDocumentStore
{
    ITenantDocuments For(TenantId tenant);
}

/// <summary>One tenant's partition. Nothing here can reach another tenant's records.</summary>
public interface ITenantDocuments
{
    TenantId Tenant { get; }

    /// <summary>Point read; null when absent.</summary>
    ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default);

    /// <summary>All documents of a kind whose top-level JSON fields equal the given values (all must match).</summary>
    Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the documents of a kind matching <paramref name="filter"/>, ordered by id. The store reads no more
    /// than the page needs from its own paging (Cosmos continuation tokens; the local store's id order). Throws
    /// <see cref="InvalidContinuationException"/> for a continuation it did not issue for this query.
    /// </summary>
    Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of every record in the partition, of every kind, in one stable order (kind, then id); for exporting and
    /// deleting a whole tenant without holding it in memory. Ascending only. Throws <see cref="InvalidContinuationException"/>
    /// for a continuation it did not issue for this scan.
    /// </summary>
    Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the writes atomically: all of them or none. Throws <see cref="DocumentConflictException"/> when a create
    /// finds the id taken, <see cref="DocumentPreconditionFailedException"/> when an If-Match no longer matches, and
    /// <see cref="DocumentMissingException"/> when a replace or delete finds nothing. Returns the new ETag of each write
    /// (null for deletes), in order. Durable when the task completes.
    /// </summary>
    Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default);
}

/// <summary>A stored record as the store returns it: the JSON body as UTF-8 bytes and its opaque version tag.</summary>
public sealed record StoredDocument(string Kind, string Id, ReadOnlyMemory<byte> Json, string ETag);

/// <summary>Equality on one top-level JSON property of the stored body (snake_case name).</summary>
public sealed record FieldEquals(string Field, string? Value);

public enum DocumentWriteMode
{
    Create,
    Replace,
    Upsert,
    Delete,
}

/// <summary>One write in a batch. <see cref="IfMatch"/> applies to Replace and Delete; null means unconditional.</summary>
public sealed record DocumentWrite(DocumentWriteMode Mode, string Kind, string Id, ReadOnlyMemory<byte> Json, string? IfMatch = null)
{
    public static DocumentWrite Delete(string kind, string id, string? ifMatch = null) => new(DocumentWriteMode.Delete, kind, id, ReadOnlyMemory<byte>.Empty, ifMatch);

    /// <summary>
    /// True when <see cref="Json"/> is a buffer made for this write that nobody changes afterwards (a serializer's fresh
    /// array), so a store may keep it as it is; false (the default) and a store that keeps bodies copies them.
    /// </summary>
    public bool JsonIsOwned { get; init; }
}

public sealed class DocumentConflictException(string kind, string id) : Exception($"{kind} '{id}' already exists.")
{
    public string Kind { get; } = kind;
    public string Id { get; } = id;
}

public sealed class DocumentPreconditionFailedException(string kind, string id) : Exception($"{kind} '{id}' changed since it was read.")
{
    public string Kind { get; } = kind;
    public string Id { get; } = id;
}

public sealed class DocumentMissingException(string kind, string id) : Exception($"{kind} '{id}' does not exist.")
{
    public string Kind { get; } = kind;
    public string Id { get; } = id;
}
