using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Azure.Cosmos;
using Moq;

namespace AgentFunctions.Tests.Usage;

/// <summary>
/// The usage container at the SDK boundary (a Moq <see cref="Container"/>): creates are unique per (partition, id)
/// (409 on a second), and the one query shape the adapter emits (GROUP BY fields over an occurredAt range, inside one
/// partition: over the items' own events, and over their riders with <c>JOIN m IN c.more</c>) is answered from the
/// stored items; point reads return the stored item. Anything else fails the test. Every call is recorded with its
/// partition key and query text.
/// </summary>
internal sealed partial class UsageContainerDouble
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Partition, string Id), JsonObject> items = [];

    public UsageContainerDouble()
    {
        var mock = new Mock<Container>(MockBehavior.Strict);
        mock.Setup(c => c.CreateItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((Stream s, PartitionKey pk, ItemRequestOptions? _, CancellationToken _) => Task.FromResult(Create(s, pk)));
        mock.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Returns((QueryDefinition q, string? _, QueryRequestOptions? o) => Query(q, o));
        mock.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string id, PartitionKey pk, ItemRequestOptions? _, CancellationToken _) => Task.FromResult(Read(id, pk)));
        mock.Setup(c => c.DeleteItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string id, PartitionKey pk, ItemRequestOptions? _, CancellationToken _) => Task.FromResult(Delete(id, pk)));
        Container = mock.Object;
    }

    public Container Container { get; }

    public List<(string Operation, string? Partition, string? Text)> Calls { get; } = [];

    public IReadOnlyList<JsonObject> Items(string partition)
    {
        lock (gate) return items.Where(i => i.Key.Partition == new PartitionKey(partition).ToString()).Select(i => i.Value).ToList();
    }

    private ResponseMessage Create(Stream body, PartitionKey partition)
    {
        var item = JsonNode.Parse(body)!.AsObject();
        lock (gate)
        {
            Calls.Add(("Create", partition.ToString(), null));
            if (new PartitionKey(item["tenantId"]!.GetValue<string>()).ToString() != partition.ToString()) return new ResponseMessage(HttpStatusCode.BadRequest);
            var key = (partition.ToString(), item["id"]!.GetValue<string>());
            if (items.ContainsKey(key)) return new ResponseMessage(HttpStatusCode.Conflict);
            items[key] = item;
            return new ResponseMessage(HttpStatusCode.Created);
        }
    }

    private ResponseMessage Read(string id, PartitionKey partition)
    {
        lock (gate)
        {
            Calls.Add(("Read", partition.ToString(), id));
            return items.TryGetValue((partition.ToString(), id), out var item)
                ? new ResponseMessage(HttpStatusCode.OK) { Content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(item)) }
                : new ResponseMessage(HttpStatusCode.NotFound);
        }
    }

    private ResponseMessage Delete(string id, PartitionKey partition)
    {
        lock (gate)
        {
            Calls.Add(("Delete", partition.ToString(), id));
            return items.Remove((partition.ToString(), id)) ? new ResponseMessage(HttpStatusCode.NoContent) : new ResponseMessage(HttpStatusCode.NotFound);
        }
    }

    private FeedIterator Query(QueryDefinition query, QueryRequestOptions? options)
    {
        var partition = options?.PartitionKey?.ToString() ?? throw new InvalidOperationException("A usage query must name its partition.");
        if (query.QueryText == "SELECT * FROM c")
        {
            // The export's scan: every item of the partition, in pages of the requested size.
            List<JsonObject> all;
            lock (gate)
            {
                Calls.Add(("Query", partition, query.QueryText));
                all = items.Where(i => i.Key.Partition == partition).Select(i => (JsonObject)i.Value.DeepClone()).ToList();
            }
            return Pages(all.Chunk(options!.MaxItemCount is > 0 and var size ? size : 100).ToList());
        }
        var match = Shape().Match(query.QueryText);
        if (!match.Success) throw new InvalidOperationException("Unexpected query: " + query.QueryText);
        if (match.Groups["select"].Value != match.Groups["group"].Value) throw new InvalidOperationException("SELECT and GROUP BY name different fields: " + query.QueryText);
        var riders = match.Groups["join"].Success;
        var alias = riders ? "m" : "c";
        if (match.Groups["sum"].Value != alias) throw new InvalidOperationException("SUM over the wrong alias: " + query.QueryText);
        // Each grouped field from the item (c.) or from the rider (m.); a rider's meter must come from the rider.
        var fields = match.Groups["group"].Value.Split(", ").Select(f => (FromRider: f.StartsWith("m.", StringComparison.Ordinal), Name: f[2..])).ToList();
        if (riders != fields[0].FromRider || (!riders && fields.Any(f => f.FromRider))) throw new InvalidOperationException("Fields from the wrong alias: " + query.QueryText);
        var parameters = query.GetQueryParameters().ToDictionary(p => p.Name, p => Convert.ToInt64(p.Value, System.Globalization.CultureInfo.InvariantCulture));
        List<JsonObject> rows;
        lock (gate)
        {
            Calls.Add(("Query", partition, query.QueryText));
            rows = items.Where(i => i.Key.Partition == partition)
                .Select(i => i.Value)
                .Where(i => i["occurredAt"]!.GetValue<long>() >= parameters["@from"] && i["occurredAt"]!.GetValue<long>() < parameters["@to"])
                // Without the JOIN a row is the item; with it, one row per rider (an item without riders gives none).
                .SelectMany(i => riders ? (i["more"] as JsonArray ?? []).Select(m => (Item: i, Rider: (JsonObject?)m!.AsObject())) : [(Item: i, Rider: (JsonObject?)null)])
                .Select(r => (Fields: fields.Select(f => (f.Name, Value: (f.FromRider ? r.Rider! : r.Item)[f.Name])).ToList(), Quantity: (riders ? r.Rider! : r.Item)["quantity"]!.GetValue<long>()))
                .GroupBy(r => string.Join("\u0001", r.Fields.Select(f => f.Value?.ToJsonString() ?? "null")))
                .Select(g =>
                {
                    var row = new JsonObject();
                    foreach (var (name, value) in g.First().Fields) row[name] = value?.DeepClone();
                    row["quantity"] = g.Sum(r => r.Quantity);
                    row["events"] = g.LongCount();
                    return row;
                })
                .ToList();
        }
        return Pages([[.. rows]]);
    }

    private static FeedIterator Pages(IReadOnlyList<JsonObject[]> pages)
    {
        var iterator = new Mock<FeedIterator>(MockBehavior.Loose);
        var next = 0;
        iterator.SetupGet(i => i.HasMoreResults).Returns(() => next < Math.Max(1, pages.Count));
        iterator.Setup(i => i.ReadNextAsync(It.IsAny<CancellationToken>())).Returns(() =>
        {
            var rows = next < pages.Count ? pages[next] : [];
            next++;
            var page = new JsonObject { ["Documents"] = new JsonArray(rows.Cast<JsonNode>().ToArray()) };
            return Task.FromResult(new ResponseMessage(HttpStatusCode.OK) { Content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(page)) });
        });
        return iterator.Object;
    }

    [GeneratedRegex(@"^SELECT (?<select>[cm]\.meter(, [cm]\.\w+)*), SUM\((?<sum>[cm])\.quantity\) AS quantity, COUNT\(1\) AS events FROM c(?<join> JOIN m IN c\.more)? WHERE c\.occurredAt >= @from AND c\.occurredAt < @to GROUP BY (?<group>[cm]\.meter(, [cm]\.\w+)*)$")]
    private static partial Regex Shape();
}
