using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentFunctions.Tests.Isolation;

/// <summary>
/// The isolation fuzz (see <see cref="IsolationFuzz"/>) over every route of the live host's route table: 10,000 mixed
/// operations by four tenants, own and foreign. The benchmark project runs the same fuzz as a soak (README).
/// </summary>
public sealed class TenantIsolationTests(PlatformFactory factory, ITestOutputHelper output) : IClassFixture<PlatformFactory>
{
    private const int Operations = 10_000;

    private IReadOnlyList<ApiRoute> Routes => RouteTable.Read(factory.Services.GetRequiredService<EndpointDataSource>());

    [Fact]
    public async Task RandomMixedOperations_OnEveryRoute_AcrossTenants_NeverLeak()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var fuzz = new IsolationFuzz(factory.ClientWithKey, factory.PlatformKey, factory.Store, Routes, seed);

        var report = await fuzz.RunAsync(Operations);

        output.WriteLine($"{report.Operations} operations ({report.ForeignOperations} on foreign objects, {report.RefusedWritesReRead} refused writes re-read) in {report.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(string.Join(", ", report.OperationsPerRoute.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}/{report.ForeignPerRoute.GetValueOrDefault(r.Key)}")));
        Assert.True(report.Leaks.Count == 0, $"{report.Leaks.Count} leaks (seed {seed}):\n" + string.Join("\n", report.Leaks.Take(30)));
        Assert.Equal(Operations, report.Operations);
        var routes = Routes;
        var unexercised = routes.Where(r => report.OperationsPerRoute.GetValueOrDefault(r.Name) == 0).ToList();
        Assert.True(unexercised.Count == 0, "routes never exercised: " + string.Join(", ", unexercised));
        var unattacked = routes.Where(r => RouteProbes.FamiliesOf(r).Any(f => f != "tenant" || r.Parameters.Contains("tenantId")) && report.ForeignPerRoute.GetValueOrDefault(r.Name) == 0).ToList();
        Assert.True(unattacked.Count == 0, "routes naming objects never attacked with foreign ones: " + string.Join(", ", unattacked));
        Assert.True(report.RefusedWritesReRead > Operations / 10, $"only {report.RefusedWritesReRead} refused writes re-read");
    }

    [Fact]
    public void RouteTable_EveryRoute_HasAFuzzGenerator()
    {
        var missing = IsolationFuzz.RoutesWithoutGenerators(Routes);

        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void RoutesWithoutGenerators_NewRoutePattern_IsReported()
    {
        var route = new ApiRoute("ListWidgets", "GET", "/api/v1/widgets/{widgetId}/parts", new AgentFunctions.Api.Http.RouteAccess(AgentFunctions.Api.Http.RouteCaller.Tenant));

        var missing = IsolationFuzz.RoutesWithoutGenerators([route]);

        Assert.Single(missing);
    }
}
