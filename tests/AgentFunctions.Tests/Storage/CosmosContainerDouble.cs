using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Azure.Cosmos;
using Moq;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// A stand-in for one Cosmos container at the SDK boundary (a Moq <see cref="Container"/>). It records every call
/// exactly as the adapter made it (partition key, item id, If-Match, query text and parameters, request options) and
/// answers from a keyed map with the few rules Cosmos documents for items: ids unique per partition (409), If-Match
/// against the item's _etag (412), absent items (404), the body's tenantId must equal the partition key (400), a
/// transactional batch applies all or nothing (failed op keeps its status, the rest 424).
/// It is not a query engine: it understands only the exact clause shapes the adapter is specified to emit and fails
/// the test on anything else, so a change to the SQL shows up here and in the pinned-text tests together.
/// </summary>
internal sealed partial class CosmosContainerDouble
{
    private const int PageSize = 2;
    private readonly Lock gate = new();
    private Dictionary<(string Partition, string Id), JsonObject> items = [];
    private long sequence;

    public CosmosContainerDouble()
    {
        var mock = new Mock<Container>(MockBehavior.Strict);
        mock.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string id, PartitionKey pk, ItemRequestOptions? o, CancellationToken _) => Task.FromResult(Read(id, pk, o)));
        mock.Setup(c => c.CreateItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((Stream s, PartitionKey pk, ItemRequestOptions? o, CancellationToken _) => Task.FromResult(Write("Create", null, s, pk, o)));
        mock.Setup(c => c.ReplaceItemStreamAsync(It.IsAny<Stream>(), It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((Stream s, string id, PartitionKey pk, ItemRequestOptions? o, CancellationToken _) => Task.FromResult(Write("Replace", id, s, pk, o)));
        mock.Setup(c => c.UpsertItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((Stream s, PartitionKey pk, ItemRequestOptions? o, CancellationToken _) => Task.FromResult(Write("Upsert", null, s, pk, o)));
        mock.Setup(c => c.DeleteItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string id, PartitionKey pk, ItemRequestOptions? o, CancellationToken _) => Task.FromResult(Delete(id, pk, o)));
        mock.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Returns((QueryDefinition q, string? token, QueryRequestOptions? o) => Query(q, token, o));
        mock.Setup(c => c.CreateTransactionalBatch(It.IsAny<PartitionKey>()))
            .Returns((PartitionKey pk) => new RecordingBatch(this, pk));
        Container = mock.Object;
    }

    public Container Container { get; }

    /// <summary>The most items one query page answers, whatever MaxItemCount asked for.</summary>
    public int MaxItemCountCap { get; set; } = int.MaxValue;

    /// <summary>Every call the adapter made, in order.</summary>
    public List<CosmosCall> Calls { get; } = [];

    /// <summary>The stored item (envelope plus system properties), for asserting the shape the adapter wrote.</summary>
    public JsonObject? Item(string partition, string id)
    {
        lock (gate) return items.TryGetValue((new PartitionKey(partition).ToString(), id), out var item) ? (JsonObject)item.DeepClone() : null;
    }

    private ResponseMessage Read(string id, PartitionKey pk, ItemRequestOptions? options)
    {
        lock (gate)
        {
            Calls.Add(new CosmosCall("Read", pk, id, options?.IfMatchEtag, Options: options));
            if (!items.TryGetValue((pk.ToString(), id), out var item)) return new ResponseMessage(HttpStatusCode.NotFound);
            return Respond(HttpStatusCode.OK, item[CosmosSystem.Etag]!.GetValue<string>(), item.ToJsonString());
        }
    }

    private ResponseMessage Write(string operation, string? id, Stream body, PartitionKey pk, ItemRequestOptions? options)
    {
        var json = ReadBody(body);
        lock (gate)
        {
            Calls.Add(new CosmosCall(operation, pk, id ?? json["id"]?.GetValue<string>(), options?.IfMatchEtag, Body: (JsonObject)json.DeepClone(), Options: options));
            var next = new Dictionary<(string, string), JsonObject>(items);
            var (status, etag) = Apply(next, operation, pk, id, json, options?.IfMatchEtag);
            if ((int)status >= 300) return new ResponseMessage(status);
            items = next;
            return Respond(status, etag, content: null);
        }
    }

    private ResponseMessage Delete(string id, PartitionKey pk, ItemRequestOptions? options)
    {
        lock (gate)
        {
            Calls.Add(new CosmosCall("Delete", pk, id, options?.IfMatchEtag, Options: options));
            var next = new Dictionary<(string, string), JsonObject>(items);
            var (status, _) = Apply(next, "Delete", pk, id, null, options?.IfMatchEtag);
            if ((int)status >= 300) return new ResponseMessage(status);
            items = next;
            return new ResponseMessage(status);
        }
    }

    /// <summary>One item operation against <paramref name="map"/>; the caller decides whether the map is kept.</summary>
    private (HttpStatusCode Status, string? ETag) Apply(Dictionary<(string, string), JsonObject> map, string operation, PartitionKey pk, string? id, JsonObject? body, string? ifMatch)
    {
        if (body is not null)
        {
            var bodyId = body["id"]?.GetValue<string>();
            var bodyTenant = body["tenantId"]?.GetValue<string>();
            if (bodyId is null || bodyTenant is null || !new PartitionKey(bodyTenant).Equals(pk)) return (HttpStatusCode.BadRequest, null);
            if (id is not null && id != bodyId) return (HttpStatusCode.BadRequest, null);
            id = bodyId;
        }
        var key = (pk.ToString(), id!);
        map.TryGetValue(key, out var current);
        if (ifMatch is not null && current is not null && current[CosmosSystem.Etag]!.GetValue<string>() != ifMatch) return (HttpStatusCode.PreconditionFailed, null);
        switch (operation)
        {
            case "Create" when current is not null:
                return (HttpStatusCode.Conflict, null);
            case "Replace" or "Delete" when current is null:
                return (HttpStatusCode.NotFound, null);
            case "Delete":
                map.Remove(key);
                return (HttpStatusCode.NoContent, null);
        }
        var stored = (JsonObject)body!.DeepClone();
        var etag = $"\"{++sequence:x8}-0000-0000-0000-000000000000\"";
        stored[CosmosSystem.Etag] = etag;
        stored["_rid"] = $"rid{sequence}";
        stored["_ts"] = 1_700_000_000 + sequence;
        map[key] = stored;
        return (current is null ? HttpStatusCode.Created : HttpStatusCode.OK, etag);
    }

    private FeedIterator Query(QueryDefinition query, string? continuationToken, QueryRequestOptions? options)
    {
        lock (gate)
        {
            Calls.Add(new CosmosCall("Query", options?.PartitionKey ?? default, Query: query, QueryOptions: options, Continuation: continuationToken));
            if (options?.PartitionKey is not { } pk) throw new InvalidOperationException("The adapter sent a cross-partition query.");
            var (predicate, order, orderField) = CompileQuery(query);
            string DocId(JsonObject item) => item[orderField]!.GetValue<string>();
            if (continuationToken is not null && order is null) throw new InvalidOperationException("The adapter resumed an unordered query.");
            var matches = items.Where(pair => pair.Key.Partition == pk.ToString() && predicate(pair.Value)).Select(pair => (JsonObject)pair.Value.DeepClone()).ToList();
            if (order is { } descending)
            {
                matches.Sort((a, b) => descending ? string.CompareOrdinal(DocId(b), DocId(a)) : string.CompareOrdinal(DocId(a), DocId(b)));
                if (continuationToken is not null)
                {
                    // Cosmos answers 400 to a token it cannot read; the double's tokens name the last docId and the direction.
                    if (ContinuationToken().Match(continuationToken) is not { Success: true } token || (token.Groups["d"].Value == "desc") != descending)
                    {
                        return new FailingIterator(HttpStatusCode.BadRequest);
                    }
                    var last = Encoding.UTF8.GetString(Convert.FromBase64String(token.Groups["last"].Value));
                    matches = matches.Where(m => descending ? string.CompareOrdinal(DocId(m), last) < 0 : string.CompareOrdinal(DocId(m), last) > 0).ToList();
                }
            }
            // Cosmos may answer with fewer items than MaxItemCount; MaxItemCountCap makes the double do so.
            var size = Math.Min(options.MaxItemCount is > 0 and var max ? max : PageSize, MaxItemCountCap);
            var pages = matches.Chunk(size).Select(page => (Body: new JsonObject
            {
                ["_rid"] = "container",
                ["Documents"] = new JsonArray(page.ToArray<JsonNode>()),
                ["_count"] = page.Length,
            }.ToJsonString(), Last: DocId(page[^1]))).ToList();
            if (pages.Count == 0) pages.Add(("""{"_rid":"container","Documents":[],"_count":0}""", ""));
            return new PagedIterator(pages, order is true ? "desc" : "asc", order is not null);
        }
    }

    /// <summary>Recognises the adapter's query template and nothing else; see the class comment. Order: null, or descending.</summary>
    private static (Func<JsonObject, bool> Predicate, bool? Descending, string OrderField) CompileQuery(QueryDefinition query)
    {
        // The whole-partition scan (tenant export and deletion): every item of the partition, by item id.
        if (query.QueryText == "SELECT * FROM c WHERE c.tenantId = @tenantId ORDER BY c.id ASC")
        {
            var partition = (string)query.GetQueryParameters().Single(p => p.Name == "@tenantId").Value;
            return (item => item["tenantId"]?.GetValue<string>() == partition, false, "id");
        }
        const string Prefix = "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = @type";
        var parameters = query.GetQueryParameters().ToDictionary(p => p.Name, p => p.Value);
        if (!query.QueryText.StartsWith(Prefix, StringComparison.Ordinal)) throw new NotSupportedException($"Unexpected query text: {query.QueryText}");
        var tenant = (string)parameters["@tenantId"];
        var type = (string)parameters["@type"];
        var conditions = new List<Func<JsonObject, bool>>
        {
            item => item["tenantId"]?.GetValue<string>() == tenant,
            item => item["type"]?.GetValue<string>() == type,
        };

        var rest = query.QueryText[Prefix.Length..];
        bool? descending = null;
        if (OrderClause().Match(rest) is { Success: true } order)
        {
            descending = order.Groups["d"].Value == "DESC";
            rest = rest[..order.Index];
        }
        while (rest.Length > 0)
        {
            if (NullClause().Match(rest) is { Success: true } isNull)
            {
                var field = isNull.Groups["f"].Value;
                conditions.Add(item => item["body"]![field] is null);
                rest = rest[isNull.Length..];
            }
            else if (EqualsClause().Match(rest) is { Success: true } equals)
            {
                var field = equals.Groups["f"].Value;
                var value = (string)parameters[equals.Groups["p"].Value];
                conditions.Add(item => item["body"]![field] is JsonValue v && v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>() == value,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString() == value,
                    _ => false,
                });
                rest = rest[equals.Length..];
            }
            else
            {
                throw new NotSupportedException($"Unexpected query clause: {rest}");
            }
        }
        return (item => conditions.All(condition => condition(item)), descending, "docId");
    }

    [GeneratedRegex(""" ORDER BY c\.docId (?<d>ASC|DESC)$""")]
    private static partial Regex OrderClause();

    [GeneratedRegex("""^\{"last":"(?<last>[A-Za-z0-9+/=]*)","d":"(?<d>asc|desc)"\}$""")]
    private static partial Regex ContinuationToken();

    [GeneratedRegex("""^ AND \(NOT IS_DEFINED\(c\.body\["(?<f>\w+)"\]\) OR IS_NULL\(c\.body\["\k<f>"\]\)\)""")]
    private static partial Regex NullClause();

    [GeneratedRegex("""^ AND \(c\.body\["(?<f>\w+)"\] = (?<p>@v\d+) OR \(\(IS_NUMBER\(c\.body\["\k<f>"\]\) OR IS_BOOL\(c\.body\["\k<f>"\]\)\) AND ToString\(c\.body\["\k<f>"\]\) = \k<p>\)\)""")]
    private static partial Regex EqualsClause();

    private static JsonObject ReadBody(Stream body)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, leaveOpen: true);
        return JsonNode.Parse(reader.ReadToEnd())!.AsObject();
    }

    private static ResponseMessage Respond(HttpStatusCode status, string? etag, string? content)
    {
        var response = new ResponseMessage(status);
        if (etag is not null) response.Headers.Set("etag", etag);
        if (content is not null) response.Content = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return response;
    }

    private static class CosmosSystem
    {
        public const string Etag = "_etag";
    }

    private sealed class PagedIterator(List<(string Body, string Last)> pages, string direction, bool resumable) : FeedIterator
    {
        private int next;

        public override bool HasMoreResults => next < pages.Count;

        public override Task<ResponseMessage> ReadNextAsync(CancellationToken cancellationToken = default)
        {
            var page = pages[next++];
            var response = Respond(HttpStatusCode.OK, null, page.Body);
            if (next < pages.Count)
            {
                // An ordered query's token resumes after the page's last item (as a real token would); others are just markers.
                response.Headers.Set("x-ms-continuation", resumable
                    ? $$"""{"last":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(page.Last))}}","d":"{{direction}}"}"""
                    : $"page-{next}");
            }
            return Task.FromResult(response);
        }
    }

    private sealed class FailingIterator(HttpStatusCode status) : FeedIterator
    {
        private bool read;

        public override bool HasMoreResults => !read;

        public override Task<ResponseMessage> ReadNextAsync(CancellationToken cancellationToken = default)
        {
            read = true;
            return Task.FromResult(new ResponseMessage(status));
        }
    }

    /// <summary>Records the operations added to a batch and applies them all-or-nothing on execute.</summary>
    private sealed class RecordingBatch(CosmosContainerDouble owner, PartitionKey partitionKey) : TransactionalBatch
    {
        private readonly List<BatchOperation> operations = [];

        public override TransactionalBatch CreateItemStream(Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) =>
            Add(new BatchOperation("Create", null, ReadBody(streamPayload), requestOptions));

        public override TransactionalBatch ReplaceItemStream(string id, Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) =>
            Add(new BatchOperation("Replace", id, ReadBody(streamPayload), requestOptions));

        public override TransactionalBatch UpsertItemStream(Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) =>
            Add(new BatchOperation("Upsert", null, ReadBody(streamPayload), requestOptions));

        public override TransactionalBatch DeleteItem(string id, TransactionalBatchItemRequestOptions? requestOptions = null) =>
            Add(new BatchOperation("Delete", id, null, requestOptions));

        public override TransactionalBatch CreateItem<T>(T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw Typed();

        public override TransactionalBatch UpsertItem<T>(T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw Typed();

        public override TransactionalBatch ReplaceItem<T>(string id, T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw Typed();

        public override TransactionalBatch ReadItem(string id, TransactionalBatchItemRequestOptions? requestOptions = null) => throw Typed();

        public override TransactionalBatch PatchItem(string id, IReadOnlyList<PatchOperation> patchOperations, TransactionalBatchPatchItemRequestOptions? requestOptions = null) => throw Typed();

        public override Task<TransactionalBatchResponse> ExecuteAsync(CancellationToken cancellationToken = default) => ExecuteAsync(null, cancellationToken);

        public override Task<TransactionalBatchResponse> ExecuteAsync(TransactionalBatchRequestOptions? requestOptions, CancellationToken cancellationToken = default)
        {
            lock (owner.gate)
            {
                owner.Calls.Add(new CosmosCall("Batch", partitionKey, Batch: operations.ToList()));
                var next = new Dictionary<(string, string), JsonObject>(owner.items);
                var results = new List<(HttpStatusCode, string?)>();
                foreach (var op in operations)
                {
                    results.Add(owner.Apply(next, op.Operation, partitionKey, op.Id, op.Body is null ? null : (JsonObject)op.Body.DeepClone(), op.Options?.IfMatchEtag));
                }
                var failed = results.FindIndex(r => (int)r.Item1 >= 300);
                if (failed < 0)
                {
                    owner.items = next;
                    return Task.FromResult<TransactionalBatchResponse>(new BatchResponse(HttpStatusCode.OK, results.Select(r => new OperationResult(r.Item1, r.Item2)).ToList()));
                }
                var failedResults = results.Select((r, i) => new OperationResult(i == failed ? r.Item1 : HttpStatusCode.FailedDependency, null)).ToList();
                return Task.FromResult<TransactionalBatchResponse>(new BatchResponse(results[failed].Item1, failedResults));
            }
        }

        private RecordingBatch Add(BatchOperation operation)
        {
            operations.Add(operation);
            return this;
        }

        private static NotSupportedException Typed() => new("The adapter is specified to use the stream batch operations only.");
    }

    private sealed class BatchResponse(HttpStatusCode status, List<OperationResult> results) : TransactionalBatchResponse
    {
        public override HttpStatusCode StatusCode => status;

        public override bool IsSuccessStatusCode => (int)status is >= 200 and < 300;

        public override string ErrorMessage => IsSuccessStatusCode ? string.Empty : $"batch failed with {(int)status}";

        public override int Count => results.Count;

        public override TransactionalBatchOperationResult this[int index] => results[index];

        public override IEnumerator<TransactionalBatchOperationResult> GetEnumerator() => results.GetEnumerator();
    }

    private sealed class OperationResult(HttpStatusCode status, string? etag) : TransactionalBatchOperationResult
    {
        public override HttpStatusCode StatusCode => status;

        public override bool IsSuccessStatusCode => (int)status is >= 200 and < 300;

        public override string? ETag => etag;
    }
}

/// <summary>One call the adapter made on the container, as it made it.</summary>
internal sealed record CosmosCall(
    string Operation,
    PartitionKey PartitionKey,
    string? ItemId = null,
    string? IfMatch = null,
    QueryDefinition? Query = null,
    QueryRequestOptions? QueryOptions = null,
    JsonObject? Body = null,
    string? Continuation = null,
    ItemRequestOptions? Options = null,
    IReadOnlyList<BatchOperation>? Batch = null);

/// <summary>One operation added to a transactional batch.</summary>
internal sealed record BatchOperation(string Operation, string? Id, JsonObject? Body, TransactionalBatchItemRequestOptions? Options);
