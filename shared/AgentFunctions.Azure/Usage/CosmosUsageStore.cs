using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Common;
using AgentFunctions.Usage;
using Microsoft.Azure.Cosmos;

namespace AgentFunctions.Azure.Usage;

/// <summary>
/// The usage log in Cosmos DB: its own container, partition key <c>/tenantId</c>. An item holds one event (its id a hash
/// of the event key, so a second create of the same cause is a 409 and is ignored: idempotent append), or one event and
/// the events that ride with it (<see cref="AnchorKeyOf"/>): a model call's output and cached tokens ride in the item of
/// its input tokens, a run's tool calls in the item of its seconds. One create instead of three saves about two thirds of
/// the request units of those events. Sums are GROUP BY queries inside the tenant's partition (never cross-partition):
/// one over the items' own events, one over the riders (<c>JOIN m IN c.more</c>). An item written before riders existed
/// is an item without riders, so old items are read as they were.
/// </summary>
/// <remarks>
/// Idempotence stays per event key. A rider's key is counted if it is in its anchor's item or in an item of its own, and
/// the second is only ever created when the anchor's item exists without it: the anchor's item is created first (with
/// every rider of the batch whose dimensions match the anchor's), never changed afterwards, and a later batch that finds
/// it (409) reads it and creates the riders it lacks as items of their own. The anchor's item id is the id the anchor
/// event had on its own, so an event recorded before this shape (its own item) still collides with its replay.
/// </remarks>
public sealed class CosmosUsageStore(Container container) : IUsageStore
{
    private const int Parallelism = 16;

    /// <summary>The GROUP BY field of each dimension (the meter is always grouped).</summary>
    public static readonly IReadOnlyList<(UsageDimensions Dimension, string Field)> Fields =
    [
        (UsageDimensions.Agent, "agentId"),
        (UsageDimensions.Model, "model"),
        (UsageDimensions.Day, "day"),
        (UsageDimensions.User, "userId"),
        (UsageDimensions.Tool, "tool"),
    ];

    public static string ItemId(string key) => "u" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..40];

    /// <summary>
    /// The key of the event whose item <paramref name="e"/> rides in, or null when it is an item of its own: a model
    /// call's output and cached tokens ride with its input tokens (same key, the meter swapped), a run's tool calls with
    /// the run's seconds. Both anchors are appended in the same batch as their riders by the engine.
    /// </summary>
    public static string? AnchorKeyOf(UsageEvent e) => e.Meter switch
    {
        UsageMeters.ModelOutputTokens or UsageMeters.ModelCachedTokens when e.Key.EndsWith(":" + e.Meter, StringComparison.Ordinal) =>
            e.Key[..^e.Meter.Length] + UsageMeters.ModelInputTokens,
        UsageMeters.ToolCalls when e.RunId is not null => UsageEventKeys.RunSeconds(e.RunId),
        _ => null,
    };

    public async Task<int> AppendAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        var (items, alone) = Plan(events);
        var added = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(items, options, async (item, ct) =>
            Interlocked.Add(ref added, await AppendItemAsync(item.Anchor, item.Riders, ct).ConfigureAwait(false))).ConfigureAwait(false);
        // Riders that could not ride go after their anchors' items exist: then whether such an item holds them is settled.
        await Parallel.ForEachAsync(alone, options, async (e, ct) =>
        {
            if (await CreateAsync(ToItem(e, []), new PartitionKey(e.Tenant.Value), ct).ConfigureAwait(false)) Interlocked.Increment(ref added);
        }).ConfigureAwait(false);
        return added;
    }

    /// <summary>
    /// Which items the batch becomes: each event that rides in no other's item, with the riders of the batch whose
    /// dimensions match its own; and the riders that cannot ride (their anchor is not in the batch, or differs), each alone.
    /// A key that appears twice in the batch is written once.
    /// </summary>
    private static (List<(UsageEvent Anchor, List<UsageEvent> Riders)> Items, List<UsageEvent> Alone) Plan(IReadOnlyList<UsageEvent> events)
    {
        var items = new List<(UsageEvent Anchor, List<UsageEvent> Riders)>();
        var alone = new List<UsageEvent>();
        var anchors = new Dictionary<(TenantId, string), int>();
        var seen = new HashSet<(TenantId, string)>();
        foreach (var e in events)
        {
            if (AnchorKeyOf(e) is null && seen.Add((e.Tenant, e.Key)))
            {
                anchors[(e.Tenant, e.Key)] = items.Count;
                items.Add((e, []));
            }
        }
        foreach (var e in events)
        {
            if (AnchorKeyOf(e) is not { } anchorKey || !seen.Add((e.Tenant, e.Key))) continue;
            if (anchors.TryGetValue((e.Tenant, anchorKey), out var index) && SameDimensions(items[index].Anchor, e)) items[index].Riders.Add(e);
            else alone.Add(e);
        }
        return (items, alone);
    }

    /// <summary>Everything but the key, meter, quantity and tool (which a rider keeps) is the anchor's.</summary>
    private static bool SameDimensions(UsageEvent anchor, UsageEvent rider) =>
        anchor.OccurredAt == rider.OccurredAt && anchor.Model == rider.Model && anchor.AgentId == rider.AgentId && anchor.UserId == rider.UserId
        && anchor.KeyId == rider.KeyId && anchor.RunId == rider.RunId && anchor.RootRunId == rider.RootRunId && anchor.CorrelationId == rider.CorrelationId;

    /// <summary>Creates the anchor's item with its riders; when it exists, creates the riders it lacks, each alone. Returns the events that were new.</summary>
    private async Task<int> AppendItemAsync(UsageEvent anchor, List<UsageEvent> riders, CancellationToken cancellationToken)
    {
        var partition = new PartitionKey(anchor.Tenant.Value);
        if (await CreateAsync(ToItem(anchor, riders), partition, cancellationToken).ConfigureAwait(false)) return 1 + riders.Count;
        if (riders.Count == 0) return 0;
        // The anchor was counted before: the riders it was created with are counted with it, any other gets its own item.
        var stored = await ReadItemAsync(ItemId(anchor.Key), partition, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The usage item of '{anchor.Key}' answered 409 on create and 404 on read.");
        var counted = (stored["more"] as JsonArray ?? []).Select(m => m?["key"]?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var created = 0;
        foreach (var rider in riders.Where(r => !counted.Contains(r.Key)))
        {
            if (await CreateAsync(ToItem(rider, []), partition, cancellationToken).ConfigureAwait(false)) created++;
        }
        return created;
    }

    private async Task<bool> CreateAsync(JsonObject item, PartitionKey partition, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(item));
        using var response = await container.CreateItemStreamAsync(body, partition, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    private async Task<JsonObject?> ReadItemAsync(string id, PartitionKey partition, CancellationToken cancellationToken)
    {
        using var response = await container.ReadItemStreamAsync(id, partition, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return (await JsonNode.ParseAsync(response.Content, cancellationToken: cancellationToken).ConfigureAwait(false))?.AsObject();
    }

    public async Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default)
    {
        var fields = Fields.Where(f => groupBy.HasFlag(f.Dimension)).ToList();
        // The items' own events and the riders, grouped alike (a rider has its own meter, quantity and tool), then added.
        var groups = new Dictionary<string, UsageTotal>(StringComparer.Ordinal);
        foreach (var query in SumQueries(fields.Select(f => f.Field).ToList(), from, to))
        {
            foreach (var row in await ReadAllAsync(tenant, query, cancellationToken).ConfigureAwait(false))
            {
                var total = new UsageTotal(row["meter"]!.GetValue<string>(), row["quantity"]!.GetValue<long>(), row["events"]!.GetValue<long>());
                foreach (var (dimension, field) in fields)
                {
                    var value = row[field];
                    total = dimension switch
                    {
                        UsageDimensions.Agent => total with { Agent = value?.GetValue<string>() },
                        UsageDimensions.Model => total with { Model = value?.GetValue<string>() },
                        UsageDimensions.Day => total with { Day = value is null ? null : DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)value.GetValue<long>()) },
                        UsageDimensions.User => total with { User = value?.GetValue<string>() },
                        UsageDimensions.Tool => total with { Tool = value?.GetValue<string>() },
                        _ => total,
                    };
                }
                var key = string.Join('\u0001', total.Meter, total.Agent, total.Model, total.Day, total.User, total.Tool);
                groups[key] = groups.TryGetValue(key, out var before)
                    ? before with { Quantity = before.Quantity + total.Quantity, Events = before.Events + total.Events }
                    : total;
            }
        }
        // Cosmos does not order GROUP BY results: order as the port promises.
        return groups.Values
            .OrderBy(t => t.Meter, StringComparer.Ordinal).ThenBy(t => t.Agent, StringComparer.Ordinal).ThenBy(t => t.Model, StringComparer.Ordinal)
            .ThenBy(t => t.Day).ThenBy(t => t.User, StringComparer.Ordinal).ThenBy(t => t.Tool, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (meters.Count == 0) return 0;
        long total = 0;
        foreach (var query in SumQueries([], from, to))
        {
            foreach (var row in await ReadAllAsync(tenant, query, cancellationToken).ConfigureAwait(false))
            {
                if (meters.Contains(row["meter"]!.GetValue<string>())) total += row["quantity"]!.GetValue<long>();
            }
        }
        return total;
    }

    /// <summary>
    /// The sums over the items' own events, and over their riders (<c>JOIN m IN c.more</c>: an item without riders adds
    /// nothing). A rider's meter, quantity and tool are its own; its other dimensions and its time are its item's.
    /// </summary>
    private static IEnumerable<QueryDefinition> SumQueries(IReadOnlyList<string> fields, DateTimeOffset from, DateTimeOffset to)
    {
        var own = string.Join(", ", new[] { "c.meter" }.Concat(fields.Select(f => "c." + f)));
        var riders = string.Join(", ", new[] { "m.meter" }.Concat(fields.Select(f => (f == "tool" ? "m." : "c.") + f)));
        yield return new QueryDefinition($"SELECT {own}, SUM(c.quantity) AS quantity, COUNT(1) AS events FROM c WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY {own}")
            .WithParameter("@from", from.ToUnixTimeMilliseconds())
            .WithParameter("@to", to.ToUnixTimeMilliseconds());
        yield return new QueryDefinition($"SELECT {riders}, SUM(m.quantity) AS quantity, COUNT(1) AS events FROM c JOIN m IN c.more WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY {riders}")
            .WithParameter("@from", from.ToUnixTimeMilliseconds())
            .WithParameter("@to", to.ToUnixTimeMilliseconds());
    }

    public async IAsyncEnumerable<UsageEvent> ReadTenantAsync(TenantId tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in ReadItemsAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in EventsOf(tenant, item)) yield return e;
        }
    }

    /// <summary>Deletes each of the tenant's items by id, always inside its partition; a 404 (deleted meanwhile) is not counted. Returns the events the deleted items held.</summary>
    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        var partition = new PartitionKey(tenant.Value);
        var items = new List<(string Id, int Events)>();
        await foreach (var item in ReadItemsAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            items.Add((item["id"]!.GetValue<string>(), 1 + (item["more"] as JsonArray)?.Count ?? 1));
        }
        foreach (var (id, events) in items)
        {
            using var response = await container.DeleteItemStreamAsync(id, partition, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) continue;
            response.EnsureSuccessStatusCode();
            removed += events;
        }
        return removed;
    }

    private async IAsyncEnumerable<JsonObject> ReadItemsAsync(TenantId tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The SDK pages the feed (its own continuation); each page is handed out before the next is read.
        using var iterator = container.GetItemQueryStreamIterator(new QueryDefinition("SELECT * FROM c"), continuationToken: null,
            new QueryRequestOptions { PartitionKey = new PartitionKey(tenant.Value), MaxItemCount = 500 });
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var page = await JsonNode.ParseAsync(response.Content, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var item in page?["Documents"]?.AsArray() ?? [])
            {
                if (item is JsonObject row) yield return row;
            }
        }
    }

    /// <summary>The item's own event, then its riders with the item's dimensions and time.</summary>
    private static IEnumerable<UsageEvent> EventsOf(TenantId tenant, JsonObject row)
    {
        string? Text(JsonNode? node, string name) => node?[name]?.GetValueKind() == JsonValueKind.String ? node[name]!.GetValue<string>() : null;
        var own = new UsageEvent(tenant, Text(row, "key")!, Text(row, "meter")!, row["quantity"]!.GetValue<long>(),
            DateTimeOffset.FromUnixTimeMilliseconds(row["occurredAt"]!.GetValue<long>()), Text(row, "model"), Text(row, "tool"), Text(row, "agentId"), Text(row, "userId"),
            Text(row, "keyId"), Text(row, "runId"), Text(row, "rootRunId"), Text(row, "correlationId"));
        yield return own;
        foreach (var rider in row["more"] as JsonArray ?? [])
        {
            yield return own with { Key = Text(rider, "key")!, Meter = Text(rider, "meter")!, Quantity = rider!["quantity"]!.GetValue<long>(), Tool = Text(rider, "tool") };
        }
    }

    private async Task<List<JsonObject>> ReadAllAsync(TenantId tenant, QueryDefinition query, CancellationToken cancellationToken)
    {
        var rows = new List<JsonObject>();
        using var iterator = container.GetItemQueryStreamIterator(query, continuationToken: null, new QueryRequestOptions { PartitionKey = new PartitionKey(tenant.Value) });
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var page = await JsonNode.ParseAsync(response.Content, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var item in page?["Documents"]?.AsArray() ?? [])
            {
                if (item is JsonObject row) rows.Add(row);
            }
        }
        return rows;
    }

    /// <summary>The event's own item (the shape every item had before riders), with its riders' key, meter, quantity and tool in <c>more</c>.</summary>
    private static JsonObject ToItem(UsageEvent e, IReadOnlyList<UsageEvent> riders)
    {
        var at = e.OccurredAt.ToUnixTimeMilliseconds();
        var item = new JsonObject
        {
            ["id"] = ItemId(e.Key),
            ["tenantId"] = e.Tenant.Value,
            ["key"] = e.Key,
            ["meter"] = e.Meter,
            ["quantity"] = e.Quantity,
            ["occurredAt"] = at,
            ["day"] = at / 86_400_000,
            ["model"] = e.Model,
            ["tool"] = e.Tool,
            ["agentId"] = e.AgentId,
            ["userId"] = e.UserId,
            ["keyId"] = e.KeyId,
            ["runId"] = e.RunId,
            ["rootRunId"] = e.RootRunId,
            ["correlationId"] = e.CorrelationId,
        };
        if (riders.Count > 0)
        {
            item["more"] = new JsonArray(riders.Select(r => (JsonNode)new JsonObject { ["key"] = r.Key, ["meter"] = r.Meter, ["quantity"] = r.Quantity, ["tool"] = r.Tool }).ToArray());
        }
        return item;
    }
}
