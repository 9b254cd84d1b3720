using System.Net;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Azure.Cosmos;

namespace AgentFunctions.Azure.Documents;

/// <summary>
/// The document port on Cosmos DB: one container, partition key path <c>/tenantId</c>, one item per record
/// (see <see cref="CosmosEnvelope"/>). Every call names the tenant's partition key, so no read, query or write can
/// cross tenants. Optimistic concurrency is Cosmos's own: If-Match on the item's <c>_etag</c>. A batch of several
/// writes is one <see cref="TransactionalBatch"/>, atomic because every item shares the partition.
/// Stream APIs throughout: bodies are already UTF-8 JSON, so no serializer sits in between.
/// </summary>
public sealed class CosmosDocumentStore(Container container) : IDocumentStore
{
    /// <summary>Cosmos caps a transactional batch at 100 operations.</summary>
    public const int MaxBatchSize = 100;

    /// <summary>The partition key path the container must be created with.</summary>
    public const string PartitionKeyPath = "/" + CosmosEnvelope.TenantProperty;

    /// <summary>The largest continuation token a page query asks Cosmos for (the API cursor carries it in a URL).</summary>
    public const int MaxContinuationKb = 1;

    /// <summary>Sub-status of a 404 that means the database or container is missing, not the item.</summary>
    private const string OwnerResourceMissing = "1003";

    public ITenantDocuments For(TenantId tenant)
    {
        if (tenant.Value is null) throw new ArgumentException("A tenant is required.", nameof(tenant));
        return new TenantDocuments(container, tenant);
    }

    /// <summary>The query the adapter sends for a kind and filter: constant text, values only as parameters.</summary>
    internal static QueryDefinition BuildQuery(TenantId tenant, string kind, IReadOnlyList<FieldEquals> filter)
    {
        CosmosEnvelope.ValidateKind(kind);
        var text = new StringBuilder("SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = @type");
        for (var i = 0; i < filter.Count; i++)
        {
            var field = filter[i].Field;
            // Field names are code, not input: checked to be identifiers, then quoted, so a keyword like "value" still works.
            if (string.IsNullOrEmpty(field) || !field.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"'{field}' is not a field name.", nameof(filter));
            }
            var path = $"c.body[\"{field}\"]";
            if (filter[i].Value is null)
            {
                text.Append($" AND (NOT IS_DEFINED({path}) OR IS_NULL({path}))");
            }
            else
            {
                // Same meaning as the local store: strings compare as strings, numbers and booleans by their JSON text.
                text.Append($" AND ({path} = @v{i} OR ((IS_NUMBER({path}) OR IS_BOOL({path})) AND ToString({path}) = @v{i}))");
            }
        }

        var query = new QueryDefinition(text.ToString())
            .WithParameter("@tenantId", tenant.Value)
            .WithParameter("@type", kind);
        for (var i = 0; i < filter.Count; i++)
        {
            if (filter[i].Value is { } value) query = query.WithParameter($"@v{i}", value);
        }
        return query;
    }

    /// <summary>
    /// The paged query: <see cref="BuildQuery"/> ordered by the record id. One ORDER BY on one path, which the container's
    /// default range index (<c>/*</c>) serves; Cosmos resumes it from its own continuation token.
    /// </summary>
    internal static QueryDefinition BuildPageQuery(TenantId tenant, string kind, IReadOnlyList<FieldEquals> filter, bool descending)
    {
        var query = BuildQuery(tenant, kind, filter);
        var paged = new QueryDefinition(query.QueryText + (descending ? " ORDER BY c.docId DESC" : " ORDER BY c.docId ASC"));
        foreach (var (name, value) in query.GetQueryParameters()) paged = paged.WithParameter(name, value);
        return paged;
    }

    /// <summary>
    /// The whole-partition scan: every item of the tenant, ordered by the item id (<c>type:docId</c>, so kind then id).
    /// Only the partition key in the filter, so it is a single-partition query served by the default range index.
    /// </summary>
    internal static QueryDefinition BuildPartitionQuery(TenantId tenant) =>
        new QueryDefinition("SELECT * FROM c WHERE c.tenantId = @tenantId ORDER BY c.id ASC").WithParameter("@tenantId", tenant.Value);

    private static bool IsMissingItem(ResponseMessage response) =>
        response.StatusCode == HttpStatusCode.NotFound && response.Headers["x-ms-substatus"] != OwnerResourceMissing;

    private static Exception? MapFailure(HttpStatusCode status, DocumentWrite write) => (status, write.Mode) switch
    {
        (HttpStatusCode.Conflict, _) => new DocumentConflictException(write.Kind, write.Id),
        (HttpStatusCode.PreconditionFailed, _) => new DocumentPreconditionFailedException(write.Kind, write.Id),
        // A 404 on create or upsert means the container is missing, not the record: let it surface as a Cosmos error.
        (HttpStatusCode.NotFound, DocumentWriteMode.Replace or DocumentWriteMode.Delete) => new DocumentMissingException(write.Kind, write.Id),
        _ => null,
    };

    private sealed class TenantDocuments(Container container, TenantId tenant) : ITenantDocuments
    {
        private readonly PartitionKey partitionKey = new(tenant.Value);

        public TenantId Tenant { get; } = tenant;

        public async ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default)
        {
            var itemId = CosmosEnvelope.ItemId(kind, id);
            using var response = await container.ReadItemStreamAsync(itemId, partitionKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (IsMissingItem(response)) return null;
            response.EnsureSuccessStatusCode();
            var bytes = await CosmosEnvelope.ReadAllAsync(response.Content, cancellationToken).ConfigureAwait(false);
            using var item = JsonDocument.Parse(bytes);
            return CosmosEnvelope.Deserialize(item.RootElement, response.Headers.ETag);
        }

        public async Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(filter);
            var query = BuildQuery(Tenant, kind, filter);
            var results = new List<StoredDocument>();
            using var iterator = container.GetItemQueryStreamIterator(query, continuationToken: null, new QueryRequestOptions { PartitionKey = partitionKey });
            while (iterator.HasMoreResults)
            {
                using var page = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
                page.EnsureSuccessStatusCode();
                var bytes = await CosmosEnvelope.ReadAllAsync(page.Content, cancellationToken).ConfigureAwait(false);
                using var json = JsonDocument.Parse(bytes);
                foreach (var item in json.RootElement.GetProperty("Documents").EnumerateArray())
                {
                    results.Add(CosmosEnvelope.Deserialize(item, etagHeader: null));
                }
            }
            // Same order as the local store, without asking Cosmos for an ORDER BY (which would need an index policy).
            results.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            return results;
        }

        public Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(filter);
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            return PageAsync(BuildPageQuery(Tenant, kind, filter, page.Descending), page, cancellationToken);
        }

        public Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            if (page.Descending) throw new ArgumentException("A partition scan reads in ascending order only.", nameof(page));
            return PageAsync(BuildPartitionQuery(Tenant), page, cancellationToken);
        }

        private async Task<DocumentPage> PageAsync(QueryDefinition query, DocumentPageRequest page, CancellationToken cancellationToken)
        {
            var items = new List<StoredDocument>(page.Limit);
            var token = page.Continuation;
            // Cosmos may answer with fewer items than asked (and a continuation); ask again for the rest, never for more
            // than the page still has room for, so the token returned always points just past the last item kept.
            do
            {
                var options = new QueryRequestOptions
                {
                    PartitionKey = partitionKey,
                    MaxItemCount = page.Limit - items.Count,
                    // The token travels inside the API's cursor, in a query string: keep it short.
                    ResponseContinuationTokenLimitInKb = MaxContinuationKb,
                };
                using var iterator = container.GetItemQueryStreamIterator(query, token, options);
                if (!iterator.HasMoreResults)
                {
                    token = null;
                    break;
                }
                ResponseMessage response;
                try
                {
                    response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.BadRequest && token is not null)
                {
                    throw new InvalidContinuationException("Cosmos DB refused the continuation token.");
                }
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.BadRequest && token is not null)
                    {
                        throw new InvalidContinuationException("Cosmos DB refused the continuation token.");
                    }
                    response.EnsureSuccessStatusCode();
                    var bytes = await CosmosEnvelope.ReadAllAsync(response.Content, cancellationToken).ConfigureAwait(false);
                    using var json = JsonDocument.Parse(bytes);
                    foreach (var item in json.RootElement.GetProperty("Documents").EnumerateArray())
                    {
                        items.Add(CosmosEnvelope.Deserialize(item, etagHeader: null));
                    }
                    token = response.ContinuationToken;
                }
            }
            while (token is not null && items.Count < page.Limit);
            return new DocumentPage(items, token);
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(writes);
            if (writes.Count == 0) return Task.FromResult<IReadOnlyList<string?>>([]);
            if (writes.Count > MaxBatchSize) throw new ArgumentException($"A batch holds at most {MaxBatchSize} writes in Cosmos DB.", nameof(writes));
            var seen = new HashSet<(string, string)>();
            foreach (var write in writes)
            {
                ArgumentNullException.ThrowIfNull(write);
                _ = CosmosEnvelope.ItemId(write.Kind, write.Id);
                if (!seen.Add((write.Kind, write.Id))) throw new ArgumentException($"A batch may touch {write.Kind} '{write.Id}' only once.", nameof(writes));
            }
            return writes.Count == 1 ? CommitOneAsync(writes[0], cancellationToken) : CommitBatchAsync(writes, cancellationToken);
        }

        private async Task<IReadOnlyList<string?>> CommitOneAsync(DocumentWrite write, CancellationToken cancellationToken)
        {
            var itemId = CosmosEnvelope.ItemId(write.Kind, write.Id);
            var options = new ItemRequestOptions
            {
                IfMatchEtag = write.Mode is DocumentWriteMode.Replace or DocumentWriteMode.Delete ? write.IfMatch : null,
                EnableContentResponseOnWrite = false,
            };
            ResponseMessage response;
            if (write.Mode == DocumentWriteMode.Delete)
            {
                response = await container.DeleteItemStreamAsync(itemId, partitionKey, options, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var body = CosmosEnvelope.Serialize(Tenant, write);
                response = write.Mode switch
                {
                    DocumentWriteMode.Create => await container.CreateItemStreamAsync(body, partitionKey, options, cancellationToken).ConfigureAwait(false),
                    DocumentWriteMode.Replace => await container.ReplaceItemStreamAsync(body, itemId, partitionKey, options, cancellationToken).ConfigureAwait(false),
                    DocumentWriteMode.Upsert => await container.UpsertItemStreamAsync(body, partitionKey, options, cancellationToken).ConfigureAwait(false),
                    _ => throw new ArgumentOutOfRangeException(nameof(write), write.Mode, "Unknown write mode."),
                };
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode && (response.StatusCode != HttpStatusCode.NotFound || IsMissingItem(response))
                    && MapFailure(response.StatusCode, write) is { } failure)
                {
                    throw failure;
                }
                response.EnsureSuccessStatusCode();
                return [write.Mode == DocumentWriteMode.Delete ? null : response.Headers.ETag];
            }
        }

        private async Task<IReadOnlyList<string?>> CommitBatchAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
        {
            var batch = container.CreateTransactionalBatch(partitionKey);
            var bodies = new List<MemoryStream>(writes.Count);
            try
            {
                foreach (var write in writes)
                {
                    var itemId = CosmosEnvelope.ItemId(write.Kind, write.Id);
                    var options = new TransactionalBatchItemRequestOptions
                    {
                        IfMatchEtag = write.Mode is DocumentWriteMode.Replace or DocumentWriteMode.Delete ? write.IfMatch : null,
                        EnableContentResponseOnWrite = false,
                    };
                    if (write.Mode == DocumentWriteMode.Delete)
                    {
                        batch = batch.DeleteItem(itemId, options);
                        continue;
                    }
                    var body = CosmosEnvelope.Serialize(Tenant, write);
                    bodies.Add(body);
                    batch = write.Mode switch
                    {
                        DocumentWriteMode.Create => batch.CreateItemStream(body, options),
                        DocumentWriteMode.Replace => batch.ReplaceItemStream(itemId, body, options),
                        DocumentWriteMode.Upsert => batch.UpsertItemStream(body, options),
                        _ => throw new ArgumentOutOfRangeException(nameof(writes), write.Mode, "Unknown write mode."),
                    };
                }

                using var response = await batch.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    // The operation that failed carries its own status; the others report 424 (failed dependency).
                    for (var i = 0; i < writes.Count && i < response.Count; i++)
                    {
                        var status = response[i].StatusCode;
                        if (status != HttpStatusCode.FailedDependency && MapFailure(status, writes[i]) is { } failure) throw failure;
                    }
                    throw new CosmosException($"Transactional batch failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
                }

                var etags = new string?[writes.Count];
                for (var i = 0; i < writes.Count; i++)
                {
                    etags[i] = writes[i].Mode == DocumentWriteMode.Delete ? null : response[i].ETag;
                }
                return etags;
            }
            finally
            {
                foreach (var body in bodies) body.Dispose();
            }
        }
    }
}
