using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Usage;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using AgentFunctions.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Usage;

public sealed class InvoicePricingTests : IDisposable
{
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-invoice-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider time = new(November.AddDays(-1));
    private readonly FileDocumentStore store;
    private readonly SqliteUsageStore usage;
    private readonly PlanService plans;
    private readonly InvoiceService invoices;
    private readonly TenantId tenant = new("ten_invoiced");

    public InvoicePricingTests()
    {
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        usage = new SqliteUsageStore(Path.Combine(directory, "usage.db"));
        plans = new PlanService(store, time, NullLogger<PlanService>.Instance);
        invoices = new InvoiceService(usage, store, plans, time, NullLogger<InvoiceService>.Instance);
    }

    [Fact]
    public async Task Lines_AreExactDecimals_RoundedOncePerLine_HalfToEven()
    {
        await SeedTenantAsync();
        await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(
            Models: new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(0.0025m, 0.01m, 0.00125m) }, ToolCall: 0.001m, KnowledgeQuery: 0.0005m, TriggerEvent: 0.0001m)));
        time.Advance(TimeSpan.FromDays(20));
        await usage.AppendAsync(
        [
            Event("in", UsageMeters.ModelInputTokens, 1_234_567, model: "gpt-4o"),
            Event("cached", UsageMeters.ModelCachedTokens, 200_000, model: "gpt-4o"),
            Event("out", UsageMeters.ModelOutputTokens, 345_678, model: "gpt-4o"),
            Event("tools", UsageMeters.ToolCalls, 7),
            Event("kq", UsageMeters.KnowledgeQueries, 5),
            Event("trg", UsageMeters.TriggerEvents, 25),
        ]);

        var draft = await invoices.GenerateAsync(tenant, "2026-11");

        Assert.Equal(1, draft.Revision);
        // (1,234,567 - 200,000) / 1000 x 0.0025 = 2.5864175 -> 2.59
        Assert.Equal(2.59m, Line(draft, UsageMeters.ModelInputTokens).Amount);
        Assert.Equal(1_034_567, Line(draft, UsageMeters.ModelInputTokens).Quantity);
        // 200,000 / 1000 x 0.00125 = 0.25
        Assert.Equal(0.25m, Line(draft, UsageMeters.ModelCachedTokens).Amount);
        // 345,678 / 1000 x 0.01 = 3.45678 -> 3.46
        Assert.Equal(3.46m, Line(draft, UsageMeters.ModelOutputTokens).Amount);
        // 7 x 0.001 = 0.007 -> 0.01; 5 x 0.0005 = 0.0025 -> 0.00 (half to even); 25 x 0.0001 = 0.0025 -> 0.00
        Assert.Equal(0.01m, Line(draft, UsageMeters.ToolCalls).Amount);
        Assert.Equal(0.00m, Line(draft, UsageMeters.KnowledgeQueries).Amount);
        Assert.Equal(2.59m + 0.25m + 3.46m + 0.01m, draft.Total);
        Assert.Equal(InvoiceService.RoundingRule, draft.RoundingRule);
    }

    [Fact]
    public async Task APriceChange_MidMonth_SplitsTheLines_ByTheVersionInForce()
    {
        await SeedTenantAsync();
        await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(ToolCall: 0.10m)));
        time.Advance(TimeSpan.FromDays(5));
        await usage.AppendAsync([Event("early", UsageMeters.ToolCalls, 10)]);
        time.Advance(TimeSpan.FromDays(10));
        await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(ToolCall: 0.20m)));
        time.Advance(TimeSpan.FromDays(1));
        await usage.AppendAsync([Event("late", UsageMeters.ToolCalls, 3)]);

        var draft = await invoices.GenerateAsync(tenant, "2026-11");

        Assert.Equal([1, 2], draft.PlanVersions);
        Assert.Contains(draft.Lines, l => l.PlanVersion == 1 && l.Quantity == 10 && l.Amount == 1.00m);
        Assert.Contains(draft.Lines, l => l.PlanVersion == 2 && l.Quantity == 3 && l.Amount == 0.60m);
        Assert.Equal(1.60m, draft.Total);
    }

    [Fact]
    public async Task Regenerating_OverTheSameEvents_ReturnsTheSameDraft_AndAllTenantsAreDrafted()
    {
        await SeedTenantAsync();
        await plans.PutAsync("metered", new PlanInput(null, new PlanPrices(ToolCall: 0.10m)));
        time.Advance(TimeSpan.FromDays(3));
        await usage.AppendAsync([Event("one", UsageMeters.ToolCalls, 1)]);

        var first = await invoices.GenerateAsync(tenant, "2026-11");
        time.Advance(TimeSpan.FromHours(1));
        var drafted = await invoices.GenerateAllAsync("2026-11");
        var again = await invoices.GenerateAsync(tenant, "2026-11");

        Assert.Equal(1, drafted);
        Assert.Equal((first.Id, first.ContentHash, first.GeneratedAt), (again.Id, again.ContentHash, again.GeneratedAt));
        Assert.Single(await store.For(tenant).ListAsync<InvoiceDraft>());
    }

    private static InvoiceLine Line(InvoiceDraft draft, string meter) => Assert.Single(draft.Lines, l => l.Meter == meter);

    private UsageEvent Event(string key, string meter, long quantity, string? model = null) =>
        new(tenant, key, meter, quantity, time.GetUtcNow(), Model: model);

    private async Task SeedTenantAsync()
    {
        await store.For(tenant).CreateAsync(new Tenant(tenant.Value, tenant, "Invoiced", "metered", null, "team_1", time.GetUtcNow()));
        await store.For(TenantId.Platform).CreateAsync(new TenantDirectoryEntry(tenant.Value, TenantId.Platform, "Invoiced", "metered", time.GetUtcNow()));
    }

    public void Dispose()
    {
        usage.Dispose();
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
