using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using AgentFunctions.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Usage;

/// <summary>Two host instances (each its own limiter, plan cache and local permits) over one document store.</summary>
public sealed class RateLimitAcrossInstancesTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-rates-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 5, TimeSpan.Zero));

    [Fact]
    public async Task TwoInstances_TogetherAdmitAtMostTheLimit_InOneWindow()
    {
        using var store = new FileDocumentStore(directory);
        var tenant = await SeedAsync(store, new PlanLimits(RequestsPerMinutePerTenant: 100));
        using var first = Instance(store);
        using var second = Instance(store);
        var callers = Enumerable.Range(0, 4).Select(i => new Caller(tenant, "usr_1", Role.Admin, $"key_{i}", [])).ToList();

        var admitted = 0;
        var refused = 0;
        for (var i = 0; i < 150; i++)
        {
            try
            {
                await (i % 2 == 0 ? first : second).AdmitAsync(callers[i % callers.Count]);
                admitted++;
            }
            catch (UsageLimitExceededException e) when (e.Limit == "requests_per_minute_per_tenant")
            {
                refused++;
                Assert.True(e.RetryAfter > TimeSpan.Zero && e.RetryAfter <= RequestRateLimiter.Window);
            }
        }

        // Never more than the limit; at most one unused block per instance short of it.
        Assert.InRange(admitted, 100 - 2 * RequestRateLimiter.BlockFor(100), 100);
        Assert.Equal(150 - admitted, refused);
        var window = await store.For(tenant).GetAsync<RateWindow>(RateWindow.IdFor("tenant", time.GetUtcNow().ToUnixTimeSeconds() / 60));
        Assert.True(window!.Value.Claimed <= 100);
    }

    [Fact]
    public async Task TheNextWindow_AdmitsAgain_AndTheOldCountIsDeleted()
    {
        using var store = new FileDocumentStore(directory);
        var tenant = await SeedAsync(store, new PlanLimits(RequestsPerMinutePerTenant: 2));
        var caller = new Caller(tenant, "usr_1", Role.Admin, "key_1", []);
        using var first = Instance(store);
        using var second = Instance(store);

        await first.AdmitAsync(caller);
        await second.AdmitAsync(caller);
        await Assert.ThrowsAsync<UsageLimitExceededException>(() => first.AdmitAsync(caller));
        var oldWindow = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        time.Advance(TimeSpan.FromMinutes(1));
        // The per-instance System.Threading.RateLimiting window runs on its own clock: a fresh instance shows the shared window.
        using var third = Instance(store);

        await third.AdmitAsync(caller);

        Assert.Null(await store.For(tenant).GetAsync<RateWindow>(RateWindow.IdFor("tenant", oldWindow)));
    }

    private RequestRateLimiter Instance(IDocumentStore store) =>
        new(new PlanService(store, time, NullLogger<PlanService>.Instance), store, time);

    private async Task<TenantId> SeedAsync(IDocumentStore store, PlanLimits limits)
    {
        var tenant = new TenantId(Ids.New("ten", 10));
        await store.For(tenant).CreateAsync(new Tenant(tenant.Value, tenant, "Rates", "rated", null, "team_1", time.GetUtcNow()));
        await store.For(TenantId.Platform).CreateAsync(new PlanVersion(PlanVersion.IdFor("rated", 1), TenantId.Platform, "rated", 1, limits, PlanPrices.Free, time.GetUtcNow()));
        return tenant;
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
