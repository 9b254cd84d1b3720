using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Storage;

/// <summary>Typed reads and writes over <see cref="ITenantDocuments"/>; the kind comes from the record type.</summary>
public static class TypedDocuments
{
    // A StoredDocument is immutable and replaced on every write, so the record read from it can be kept beside it:
    // repeated point reads of an unchanged document (API keys, users, agents on the hot path) skip deserialisation.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StoredDocument, object> Materialised = new();

    public static async ValueTask<Versioned<T>?> GetAsync<T>(this ITenantDocuments store, string id, CancellationToken cancellationToken = default)
        where T : IDocument
    {
        var stored = await store.ReadAsync(T.Kind, id, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : new Versioned<T>(Materialise<T>(stored), stored.ETag);
    }

    public static async Task<IReadOnlyList<Versioned<T>>> ListAsync<T>(this ITenantDocuments store, CancellationToken cancellationToken = default, params FieldEquals[] filter)
        where T : IDocument
    {
        var stored = await store.QueryAsync(T.Kind, filter, cancellationToken).ConfigureAwait(false);
        return stored.Select(s => new Versioned<T>(Materialise<T>(s), s.ETag)).ToList();
    }

    /// <summary>One page of a kind in id order; the continuation is the store's (wrap it before it leaves the service).</summary>
    public static async Task<(IReadOnlyList<Versioned<T>> Items, string? Continuation)> PageAsync<T>(this ITenantDocuments store, DocumentPageRequest page,
        CancellationToken cancellationToken = default, params FieldEquals[] filter)
        where T : IDocument
    {
        var stored = await store.QueryPageAsync(T.Kind, filter, page, cancellationToken).ConfigureAwait(false);
        return (stored.Items.Select(s => new Versioned<T>(Materialise<T>(s), s.ETag)).ToList(), stored.Continuation);
    }

    /// <summary>Every page of a kind in id order, <paramref name="pageSize"/> at a time: a set of any size costs one page of memory.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<Versioned<T>>> PagesAsync<T>(this ITenantDocuments store, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default, params FieldEquals[] filter)
        where T : IDocument
    {
        string? continuation = null;
        do
        {
            var (items, next) = await store.PageAsync<T>(new DocumentPageRequest(pageSize, continuation), cancellationToken, filter).ConfigureAwait(false);
            yield return items;
            continuation = next;
        }
        while (continuation is not null);
    }

    public static async Task<Versioned<T>> CreateAsync<T>(this ITenantDocuments store, T document, CancellationToken cancellationToken = default)
        where T : IDocument
    {
        var etags = await store.CommitAsync([Write(DocumentWriteMode.Create, store, document)], cancellationToken).ConfigureAwait(false);
        return new Versioned<T>(document, etags[0]!);
    }

    public static async Task<Versioned<T>> ReplaceAsync<T>(this ITenantDocuments store, T document, string? ifMatch, CancellationToken cancellationToken = default)
        where T : IDocument
    {
        var etags = await store.CommitAsync([Write(DocumentWriteMode.Replace, store, document, ifMatch)], cancellationToken).ConfigureAwait(false);
        return new Versioned<T>(document, etags[0]!);
    }

    public static async Task<Versioned<T>> UpsertAsync<T>(this ITenantDocuments store, T document, CancellationToken cancellationToken = default)
        where T : IDocument
    {
        var etags = await store.CommitAsync([Write(DocumentWriteMode.Upsert, store, document)], cancellationToken).ConfigureAwait(false);
        return new Versioned<T>(document, etags[0]!);
    }

    public static Task DeleteAsync<T>(this ITenantDocuments store, string id, string? ifMatch = null, CancellationToken cancellationToken = default)
        where T : IDocument =>
        store.CommitAsync([DocumentWrite.Delete(T.Kind, id, ifMatch)], cancellationToken);

    /// <summary>Builds one write of a batch. Refuses a document whose tenant is not the store's partition.</summary>
    public static DocumentWrite Write<T>(DocumentWriteMode mode, ITenantDocuments store, T document, string? ifMatch = null)
        where T : IDocument
    {
        if (document.TenantId != store.Tenant)
        {
            throw new InvalidOperationException($"A {T.Kind} of tenant '{document.TenantId}' cannot be written to partition '{store.Tenant}'.");
        }
        return new DocumentWrite(mode, T.Kind, document.Id, Serialize(document), ifMatch) { JsonIsOwned = true };
    }

    private static T Materialise<T>(StoredDocument stored)
    {
        if (Materialised.TryGetValue(stored, out var cached) && cached is T typed) return typed;
        var value = Deserialize<T>(stored.Json);
        Materialised.AddOrUpdate(stored, value!);
        return value;
    }

    public static ReadOnlyMemory<byte> Serialize<T>(T document) => JsonSerializer.SerializeToUtf8Bytes(document, PlatformJson.Stored);

    public static T Deserialize<T>(ReadOnlyMemory<byte> json) =>
        JsonSerializer.Deserialize<T>(json.Span, PlatformJson.Stored) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");
}
