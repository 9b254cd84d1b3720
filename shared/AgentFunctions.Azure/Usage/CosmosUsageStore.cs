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
/// The usage log in Cosmos DB: its own container, partition key <c>/tenantId</c>, one item per event whose id is a hash
/// of the event key, so a second create of the same cause is a 409 and is ignored (idempotent append). Sums are
/// GROUP BY queries inside the tenant's partition (never cross-partition). Each append is one create (about 6 RU for a
/// ~400-byte item with the default indexing policy).
/// </summary>
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

    public async Task<int> AppendAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        var added = 0;
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (e, ct) =>
        {
            using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(ToItem(e)));
            using var response = await container.CreateItemStreamAsync(body, new PartitionKey(e.Tenant.Value), cancellationToken: ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict) return;
            response.EnsureSuccessStatusCode();
            Interlocked.Increment(ref added);
        }).ConfigureAwait(false);
        return added;
    }

    public async Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default)
    {
        var fields = Fields.Where(f => groupBy.HasFlag(f.Dimension)).ToList();
        var groupFields = string.Join(", ", new[] { "c.meter" }.Concat(fields.Select(f => "c." + f.Field)));
        var query = new QueryDefinition($"SELECT {groupFields}, SUM(c.quantity) AS quantity, COUNT(1) AS events FROM c WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY {groupFields}")
            .WithParameter("@from", from.ToUnixTimeMilliseconds())
            .WithParameter("@to", to.ToUnixTimeMilliseconds());
        var totals = new List<UsageTotal>();
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
            totals.Add(total);
        }
        // Cosmos does not order GROUP BY results: order as the port promises.
        return totals
            .OrderBy(t => t.Meter, StringComparer.Ordinal).ThenBy(t => t.Agent, StringComparer.Ordinal).ThenBy(t => t.Model, StringComparer.Ordinal)
            .ThenBy(t => t.Day).ThenBy(t => t.User, StringComparer.Ordinal).ThenBy(t => t.Tool, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (meters.Count == 0) return 0;
        var query = new QueryDefinition("SELECT c.meter, SUM(c.quantity) AS quantity, COUNT(1) AS events FROM c WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY c.meter")
            .WithParameter("@from", from.ToUnixTimeMilliseconds())
            .WithParameter("@to", to.ToUnixTimeMilliseconds());
        long total = 0;
        foreach (var row in await ReadAllAsync(tenant, query, cancellationToken).ConfigureAwait(false))
        {
            if (meters.Contains(row["meter"]!.GetValue<string>())) total += row["quantity"]!.GetValue<long>();
        }
        return total;
    }

    public async IAsyncEnumerable<UsageEvent> ReadTenantAsync(TenantId tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
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
                if (item is JsonObject row) yield return FromItem(tenant, row);
            }
        }
    }

    /// <summary>Deletes each of the tenant's items by id, always inside its partition; a 404 (deleted meanwhile) is not counted.</summary>
    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        var partition = new PartitionKey(tenant.Value);
        var ids = new List<string>();
        await foreach (var e in ReadTenantAsync(tenant, cancellationToken).ConfigureAwait(false)) ids.Add(ItemId(e.Key));
        foreach (var id in ids)
        {
            using var response = await container.DeleteItemStreamAsync(id, partition, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) continue;
            response.EnsureSuccessStatusCode();
            removed++;
        }
        return removed;
    }

    private static UsageEvent FromItem(TenantId tenant, JsonObject row)
    {
        string? Text(string name) => row[name]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? row[name]!.GetValue<string>() : null;
        return new UsageEvent(tenant, Text("key")!, Text("meter")!, row["quantity"]!.GetValue<long>(),
            DateTimeOffset.FromUnixTimeMilliseconds(row["occurredAt"]!.GetValue<long>()), Text("model"), Text("tool"), Text("agentId"), Text("userId"),
            Text("keyId"), Text("runId"), Text("rootRunId"), Text("correlationId"));
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

    private static JsonObject ToItem(UsageEvent e)
    {
        var at = e.OccurredAt.ToUnixTimeMilliseconds();
        return new JsonObject
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
    }
}
