using System.Net;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Lifecycle;
using AgentFunctions.Local.Lifecycle;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Knowledge;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Lifecycle;

/// <summary>
/// Retention on the local host: a tenant's policy set through the API, then applied as the timer applies it, on a clock
/// moved past the periods. What is older goes (runs with their orchestration history, sessions with their messages,
/// events); what is younger, and every tenant without a policy, stays.
/// </summary>
public sealed class RetentionTests : IDisposable
{
    private readonly PlatformFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Apply_PastThePeriods_RemovesOldRunsWithTheirHistoryAndOldConversations_KeepsYoungerEventsAndOtherTenants()
    {
        var lifecycle = new TenantLifecycleTestsAccess(factory);
        var limited = await lifecycle.PopulateAsync();
        var unlimited = await lifecycle.PopulateAsync();
        var client = limited.Tenant.First.Client;
        var set = await (await client.PutAsync($"/api/v1/tenants/{limited.Tenant.Tenant.Value}/retention",
            JsonContent(new { runs_days = 30, conversations_days = 30, events_days = 60 }))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(30, set["runs_days"]!.GetValue<int>());
        var read = await (await factory.ClientWithKey(factory.PlatformKey).GetAsync($"/api/v1/tenants/{limited.Tenant.Tenant.Value}/retention")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(60, read["events_days"]!.GetValue<int>());

        var orchestrations = factory.Services.GetRequiredService<IOrchestrationClient>();
        Assert.NotNull(await orchestrations.GetStateAsync(limited.RunId));
        var later = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(40));
        var retention = new RetentionService(factory.Store, orchestrations, later, NullLogger<RetentionService>.Instance);

        var report = Assert.Single(await retention.ApplyAsync());

        Assert.Equal(limited.Tenant.Tenant.Value, report.TenantId);
        Assert.True(report.Runs >= 3, "the executed run, the session turn's run and the webhook's run");
        Assert.Equal(report.Runs, report.Instances);
        Assert.Equal(1, report.Sessions);
        Assert.True(report.Messages >= 2);
        Assert.Equal(0, report.Events);
        (await client.GetAsync($"/api/v1/runs/{limited.RunId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Assert.Null(await orchestrations.GetStateAsync(limited.RunId));
        var documents = factory.Store.For(limited.Tenant.Tenant);
        Assert.Empty(await documents.ListAsync<Session>());
        Assert.Empty(await documents.ListAsync<ConversationMessage>());
        Assert.Single(await documents.ListAsync<AgentFunctions.Triggers.TriggerEvent>());
        await (await client.GetAsync($"/api/v1/agents/{limited.AgentId}")).ExpectAsync(HttpStatusCode.OK);

        // The other tenant kept everything (no policy: kept by default).
        await (await unlimited.Tenant.First.Client.GetAsync($"/api/v1/runs/{unlimited.RunId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(await orchestrations.GetStateAsync(unlimited.RunId));
        Assert.Single(await factory.Store.For(unlimited.Tenant.Tenant).ListAsync<Session>());

        // Events go once past their own period; a second pass over what is left removes nothing else.
        var muchLater = new RetentionService(factory.Store, orchestrations, new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(70)), NullLogger<RetentionService>.Instance);
        var second = Assert.Single(await muchLater.ApplyAsync());
        Assert.Equal(1, second.Events);
        Assert.Equal(0, second.Runs + second.Sessions);
        Assert.Empty(await documents.ListAsync<AgentFunctions.Triggers.TriggerEvent>());
    }

    [Fact]
    public async Task LocalLifecycleJob_FinishesADeletionLeftRunning()
    {
        var tenant = await factory.SeedTenantAsync();
        var deletions = factory.Services.CreateScope().ServiceProvider.GetRequiredService<TenantDeletionService>();
        var started = await deletions.DeleteAsync(tenant.Tenant, TimeSpan.Zero);
        Assert.Equal(TenantDeletionStatus.Running, started.Status);

        await factory.Services.GetRequiredService<LocalLifecycleService>().TickAsync(CancellationToken.None);

        var report = await (await factory.ClientWithKey(factory.PlatformKey).GetAsync($"/api/v1/tenants/{tenant.Tenant.Value}/deletion")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Empty((await factory.Store.For(tenant.Tenant).ReadPartitionPageAsync(new DocumentPageRequest(10))).Items);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
