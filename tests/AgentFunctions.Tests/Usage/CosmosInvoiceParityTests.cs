using AgentFunctions.Azure.Usage;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Usage;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using AgentFunctions.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Usage;

/// <summary>
/// The invoice draft is the same whichever usage adapter holds the events: Cosmos items carrying riders (a model call's
/// tokens, a run's tool calls with its seconds), items of the old one-event shape beside them, and a price change that
/// cuts a day in two, give the SQLite store's lines, total and event count.
/// </summary>
public sealed class CosmosInvoiceParityTests : IDisposable
{
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-invoice-parity-" + Guid.NewGuid().ToString("N"));
    private readonly TenantId tenant = new("ten_parity");

    [Fact]
    public async Task Draft_OverCosmosItemsWithRiders_AndOldItems_IsTheSqliteDraft()
    {
        using var sqlite = new SqliteUsageStore(Path.Combine(directory, "usage.db"));
        var cosmos = new UsageContainerDouble();

        var fromSqlite = await DraftAsync("sqlite", sqlite);
        var fromCosmos = await DraftAsync("cosmos", new CosmosUsageStore(cosmos.Container));

        Assert.Contains(cosmos.Items(tenant.Value), i => i["more"] is not null);
        Assert.Contains(cosmos.Items(tenant.Value), i => i["more"] is null && i["meter"]!.GetValue<string>() == UsageMeters.ModelOutputTokens);
        Assert.Equal(fromSqlite.Lines, fromCosmos.Lines);
        Assert.Equal((fromSqlite.Total, fromSqlite.EventCount, fromSqlite.ContentHash), (fromCosmos.Total, fromCosmos.EventCount, fromCosmos.ContentHash));
        Assert.Equal([1, 2], fromCosmos.PlanVersions);
        Assert.True(fromCosmos.Lines.Count >= 8, string.Join("; ", fromCosmos.Lines));
    }

    private async Task<InvoiceDraft> DraftAsync(string name, IUsageStore usage)
    {
        var time = new ManualTimeProvider(November.AddDays(-1));
        using var store = new FileDocumentStore(Path.Combine(directory, name));
        var plans = new PlanService(store, time, NullLogger<PlanService>.Instance);
        var invoices = new InvoiceService(usage, store, plans, time, NullLogger<InvoiceService>.Instance);
        await store.For(tenant).CreateAsync(new Tenant(tenant.Value, tenant, "Parity", "metered", null, "team_1", time.GetUtcNow()));
        var prices = new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(0.0025m, 0.01m, 0.00125m), ["mini"] = new(0.00015m, 0.0006m) };
        await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(Models: prices, ToolCall: 0.001m)));

        time.Advance(TimeSpan.FromDays(3));
        // Stored one event per item, as before riders existed.
        foreach (var e in ModelCall("run_old", 2, "gpt-4o", time.GetUtcNow(), 1_000, 200, 0)) await usage.AppendAsync([e]);
        for (var i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromHours(5));
            var run = $"run_{i}";
            await usage.AppendAsync(ModelCall(run, 3, i % 2 == 0 ? "gpt-4o" : "mini", time.GetUtcNow(), 1_200 + i, 90 + i, i * 100));
            await usage.AppendAsync(ModelCall(run, 5, "gpt-4o", time.GetUtcNow(), 2_000 + i, 40, 0));
            await usage.AppendAsync(RunClose(run, time.GetUtcNow(), 3 + i, i % 3));
            if (i == 2)
            {
                // A price change in the middle of a day: the day's events are split by the time of each.
                time.Advance(TimeSpan.FromMinutes(7));
                await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(Models: prices, ToolCall: 0.002m)));
            }
        }
        // A replay of a model call and a retry that brings a new meter: counted once per key.
        await usage.AppendAsync(ModelCall("run_1", 3, "mini", time.GetUtcNow(), 9_999, 9_999, 0));
        await usage.AppendAsync(ModelCall("run_0", 5, "gpt-4o", time.GetUtcNow(), 9_999, 9_999, 500));

        time.Advance(TimeSpan.FromDays(25));
        return await invoices.GenerateAsync(tenant, "2026-11");
    }

    private IReadOnlyList<UsageEvent> ModelCall(string runId, int step, string model, DateTimeOffset at, long input, long output, long cached) =>
    [
        .. new[] { (UsageMeters.ModelInputTokens, input), (UsageMeters.ModelOutputTokens, output), (UsageMeters.ModelCachedTokens, cached) }
            .Where(m => m.Item2 > 0)
            .Select(m => new UsageEvent(tenant, UsageEventKeys.ModelCall(runId, step, m.Item1), m.Item1, m.Item2, at, Model: model, AgentId: "agt_1",
                UserId: "usr_1", RunId: runId, RootRunId: runId, CorrelationId: runId)),
    ];

    private IReadOnlyList<UsageEvent> RunClose(string runId, DateTimeOffset at, long seconds, int calls) =>
    [
        .. Enumerable.Range(0, calls).Select(c => new UsageEvent(tenant, UsageEventKeys.ToolCall($"{runId}.call{c}"), UsageMeters.ToolCalls, 1, at,
            Tool: c % 2 == 0 ? "crm.lookup" : "web.get", AgentId: "agt_1", UserId: "usr_1", RunId: runId, RootRunId: runId, CorrelationId: runId)),
        new UsageEvent(tenant, UsageEventKeys.RunSeconds(runId), UsageMeters.RunSeconds, seconds, at, AgentId: "agt_1", UserId: "usr_1", RunId: runId,
            RootRunId: runId, CorrelationId: runId),
    ];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
