using System.Net;
using System.Text;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Triggers;

public sealed class WebhookTriggerTests
{
    [Fact]
    public async Task SignedDelivery_Accepted202_StartsOneRun_ShownOnTheEvent()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret);
        Assert.Equal($"/api/v1/hooks/{triggerId}", trigger["webhook_url"]!.GetValue<string>());

        // The secret is shown once: not in reads or lists.
        var read = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(read["signing_secret"]);
        var listed = await (await host.Client.GetAsync($"/api/v1/agents/{host.AgentId}/triggers")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, listed.ToJsonString());

        var anonymous = host.Factory.CreateClient();
        var response = await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, """{"order":{"id":"o-1","total":42}}"""));
        var accepted = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.False(accepted["duplicate"]!.GetValue<bool>());
        var eventId = accepted["event_id"]!.GetValue<string>();

        await host.DrainAsync();
        var events = await host.EventsAsync(triggerId);
        var only = Assert.Single(events);
        Assert.Equal(eventId, only!["id"]!.GetValue<string>());
        Assert.Equal("started", only["status"]!.GetValue<string>());
        Assert.Equal("o-1", only["payload"]!["order"]!["id"]!.GetValue<string>());
        var runId = only["run_id"]!.GetValue<string>();

        var run = await (await host.Client.GetAsync($"/api/v1/runs/{runId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(host.AgentId, run["agent_id"]!.GetValue<string>());
        // The payload reached the agent as marked, untrusted data.
        var documents = host.Factory.Store.For(host.Tenant.Tenant);
        var stored = await documents.GetAsync<Run>(runId);
        Assert.Contains("<untrusted_event_payload>", stored!.Value.Input);
        Assert.Contains("\"o-1\"", stored.Value.Input);

        var health = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, health["health"]!["event_count"]!.GetValue<long>());
        Assert.NotNull(health["health"]!["last_event_at"]);
    }

    [Fact]
    public async Task SameWebhookIdTwice_IsOneEventAndOneRun()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var anonymous = host.Factory.CreateClient();

        var first = await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, """{"n":1}""", "msg_same"))).ExpectAsync(HttpStatusCode.Accepted);
        await host.DrainAsync();
        var second = await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, """{"n":1}""", "msg_same"))).ExpectAsync(HttpStatusCode.Accepted);
        Assert.True(second["duplicate"]!.GetValue<bool>());
        Assert.Equal(first["event_id"]!.GetValue<string>(), second["event_id"]!.GetValue<string>());
        await host.DrainAsync();

        Assert.Single(await host.EventsAsync(triggerId));
        var runs = await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<Run>();
        Assert.Single(runs);
        var health = (await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK))["health"]!;
        Assert.Equal(1, health["event_count"]!.GetValue<long>());
        Assert.Equal(1, health["duplicate_count"]!.GetValue<long>());
    }

    [Fact]
    public async Task ThousandDeliveries_ThirtyPercentDuplicates_ExactlyTheUniqueNumberOfRuns()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var anonymous = host.Factory.CreateClient();

        const int total = 1000;
        var random = new Random(7);
        var ids = new List<string>();
        for (var i = 0; i < total; i++)
        {
            // About 30% repeat an id already sent (a sender's retries).
            ids.Add(ids.Count > 0 && random.NextDouble() < 0.3 ? ids[random.Next(ids.Count)] : $"msg_{i}");
        }
        var unique = ids.Distinct().Count();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
        {
            var response = await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, $$"""{"id":"{{id}}"}""", id), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
        await host.DrainAsync();

        await AssertOneRunPerEventAsync(host, triggerId, unique);

        // Concurrent duplicates share their state writes, and none is lost: the count is exact once all have answered.
        var health = (await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK))["health"]!;
        Assert.Equal(total - unique, health["duplicate_count"]!.GetValue<long>());
        Assert.Equal(unique, health["event_count"]!.GetValue<long>());
    }

    [Fact]
    public async Task MoreDeliveriesThanTheBusHolds_EachStillStartsOneRun()
    {
        // A flood: the bus holds 20 events in memory, the rest wait queued in their records and are re-published from
        // there as the dispatcher catches up (the clock, which would also sweep them, is off in these tests).
        await using var host = await TriggerTestHost.StartAsync(configure: services =>
            services.Configure<AgentFunctions.Local.Events.LocalEventBusOptions>(o => o.MaxHeldNotifications = 20));
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var anonymous = host.Factory.CreateClient();

        const int total = 300;
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var response = await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, $$"""{"n":{{i}}}""", $"msg_{i}"), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
        await host.DrainAsync();

        // Some did wait outside the hold, so the refill is what started them.
        Assert.True(host.Factory.Services.GetRequiredService<AgentFunctions.Local.Events.LocalEventBus>().NotHeldCount > 0);
        await AssertOneRunPerEventAsync(host, triggerId, total);
    }

    /// <summary>The trigger has exactly <paramref name="expected"/> events, each started, and the tenant as many distinct runs.</summary>
    private static async Task AssertOneRunPerEventAsync(TriggerTestHost host, string triggerId, int expected)
    {
        var documents = host.Factory.Store.For(host.Tenant.Tenant);
        var events = await documents.ListAsync<TriggerEvent>(default, new FieldEquals("trigger_id", triggerId));
        Assert.Equal(expected, events.Count);
        Assert.All(events, e => Assert.Equal(TriggerEventStatus.Started, e.Value.Status));
        var runs = await documents.ListAsync<Run>();
        Assert.Equal(expected, runs.Count);
        Assert.Equal(expected, runs.Select(r => r.Value.Id).Distinct().Count());
    }

    [Fact]
    public async Task SignatureComputedBySpec_IsAccepted_SoAnySenderWorks()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string body = """{"hello":"world"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/hooks/{triggerId}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", "msg_spec");
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        // Several signatures, space-separated, as a sender mid-rotation sends them: one unknown, one right.
        request.Headers.TryAddWithoutValidation("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + TriggerTestHost.SignBySpec(secret, "msg_spec", timestamp, body));
        await (await host.Factory.CreateClient().SendAsync(request)).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task BadDeliveries_AreProblemJson_AndRecordNothing()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var anonymous = host.Factory.CreateClient();

        // Wrong secret.
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, "whsec_" + Convert.ToBase64String(new byte[32]), "{}"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        // Body changed after signing.
        var tampered = TriggerTestHost.Signed(triggerId, secret, """{"amount":1}""");
        tampered.Content = new StringContent("""{"amount":1000}""", Encoding.UTF8, "application/json");
        await (await anonymous.SendAsync(tampered)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        // No signature headers.
        await (await anonymous.PostAsync($"/api/v1/hooks/{triggerId}", new StringContent("{}", Encoding.UTF8, "application/json"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        // Stale and future timestamps (10 minutes, beyond the 5-minute tolerance).
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, "{}", timestamp: DateTimeOffset.UtcNow.AddMinutes(-10)))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, "{}", timestamp: DateTimeOffset.UtcNow.AddMinutes(10)))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        // Unknown trigger: 404, the same answer as for a trigger that exists but is switched off.
        await (await anonymous.SendAsync(TriggerTestHost.Signed("trg_doesnotexist", secret, "{}"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        // Over the body limit.
        var big = "{\"pad\":\"" + new string('x', WebhookIntake.MaxBodyBytes) + "\"}";
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, secret, big))).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        await host.DrainAsync();
        Assert.Empty(await host.EventsAsync(triggerId));
    }

    [Fact]
    public async Task InactiveTrigger_Answers404_LikeAnUnknownOne()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        var off = await (await host.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{host.AgentId}/triggers/{triggerId}", new { active = false })).ExpectAsync(HttpStatusCode.OK);
        Assert.False(off["active"]!.GetValue<bool>());

        var problem = await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, secret, "{}"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        var unknown = await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed("trg_unknown", secret, "{}"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(unknown["title"]!.GetValue<string>(), problem["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task RotatedSecret_OldKeepsWorkingFor24Hours_ThenOnlyTheNew()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TriggerTestHost.StartAsync(time);
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var oldSecret = trigger["signing_secret"]!.GetValue<string>();

        var rotated = await (await host.Client.PostAsync($"/api/v1/triggers/{triggerId}/rotate-secret", null)).ExpectAsync(HttpStatusCode.OK);
        var newSecret = rotated["signing_secret"]!.GetValue<string>();
        Assert.NotEqual(oldSecret, newSecret);

        var anonymous = host.Factory.CreateClient();
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, oldSecret, "{}"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, newSecret, "{}"))).ExpectAsync(HttpStatusCode.Accepted);

        time.Advance(TriggerService.RotationOverlap + TimeSpan.FromMinutes(1));
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, oldSecret, "{}"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.SendAsync(TriggerTestHost.Signed(triggerId, newSecret, "{}"))).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task DisabledAgent_EventDroppedWithReason_NoRun()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        await (await host.Client.PostAsync($"/api/v1/agents/{host.AgentId}/disable", null)).ExpectAsync(HttpStatusCode.OK);

        await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), "{}"))).ExpectAsync(HttpStatusCode.Accepted);
        await host.DrainAsync();

        var only = Assert.Single(await host.EventsAsync(triggerId));
        Assert.Equal("dropped", only!["status"]!.GetValue<string>());
        Assert.Contains("disabled", only["drop_reason"]!.GetValue<string>());
        Assert.Null(only["run_id"]);
        Assert.Empty(await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<Run>());
        var read = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, read["health"]!["dropped_count"]!.GetValue<long>());
    }

    /// <summary>The engine refuses every run start: the event is retried by the bus, then dropped with the reason.</summary>
    private sealed class FailingOrchestrations : AgentFunctions.Engine.Orchestration.IOrchestrationClient
    {
        public int Starts;

        public Task StartAsync<TInput>(string orchestrationName, string instanceId, TInput input, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Starts);
            throw new InvalidOperationException("orchestration store unavailable");
        }

        public Task RaiseEventAsync<TPayload>(string instanceId, string eventName, TPayload payload, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<int> PurgeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<AgentFunctions.Engine.Orchestration.OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
            Task.FromResult<AgentFunctions.Engine.Orchestration.OrchestrationState?>(null);

        public Task<AgentFunctions.Engine.Orchestration.OrchestrationState?> WaitForCompletionAsync(string instanceId, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
            Task.FromResult<AgentFunctions.Engine.Orchestration.OrchestrationState?>(null);

        public Task<AgentFunctions.Engine.Orchestration.OrchestrationState?> WaitForChangeAsync(string instanceId, AgentFunctions.Engine.Orchestration.OrchestrationState? known, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
            Task.FromResult<AgentFunctions.Engine.Orchestration.OrchestrationState?>(null);
    }

    [Fact]
    public async Task EventWhoseRunCannotStart_IsRetried_ThenDroppedWithTheReason_NotLeftQueued()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var failing = new FailingOrchestrations();
        await using var host = await TriggerTestHost.StartAsync(time, configure: services =>
            services.AddSingleton<AgentFunctions.Engine.Orchestration.IOrchestrationClient>(failing));
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), "{}"))).ExpectAsync(HttpStatusCode.Accepted);

        for (var i = 0; i < 200 && (await host.EventsAsync(triggerId))[0]!["status"]!.GetValue<string>() == "queued"; i++)
        {
            await Task.Delay(10);
            time.Advance(TimeSpan.FromSeconds(30)); // the bus's backoff between attempts
        }
        var only = Assert.Single(await host.EventsAsync(triggerId));
        Assert.Equal("dropped", only!["status"]!.GetValue<string>());
        Assert.Contains("orchestration store unavailable", only["drop_reason"]!.GetValue<string>());
        Assert.Equal(EventDispatcher.MaxDispatchAttempts, failing.Starts);
    }

    [Fact]
    public async Task InputTemplate_FillsPayloadFields()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook", options = new { input_template = "New order {{order.id}} for {{ order.customer.name }} ({{missing.path}})" } });
        var triggerId = trigger["id"]!.GetValue<string>();
        await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(),
            """{"order":{"id":"o-9","customer":{"name":"Ada"}}}"""))).ExpectAsync(HttpStatusCode.Accepted);
        await host.DrainAsync();
        var runId = Assert.Single(await host.EventsAsync(triggerId))!["run_id"]!.GetValue<string>();
        var run = await host.Factory.Store.For(host.Tenant.Tenant).GetAsync<Run>(runId);
        Assert.Equal("New order o-9 for Ada ()", run!.Value.Input);
    }

    [Fact]
    public async Task CreateAndManage_NeedsManageTriggers_ViewerMayRead()
    {
        await using var host = await TriggerTestHost.StartAsync();
        var trigger = await host.CreateTriggerAsync(new { system = "webhook" });
        var triggerId = trigger["id"]!.GetValue<string>();
        var viewer = await host.Tenant.AddUserAsync(AgentFunctions.Access.Role.Viewer);
        await (await viewer.Client.PostJsonAsync($"/api/v1/agents/{host.AgentId}/triggers", new { system = "webhook" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.Client.PostAsync($"/api/v1/triggers/{triggerId}/rotate-secret", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.Client.DeleteAsync($"/api/v1/triggers/{triggerId}")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);

        // Another tenant sees nothing.
        var other = await host.Factory.SeedTenantAsync();
        await (await other.First.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.First.Client.GetAsync($"/api/v1/triggers/{triggerId}/events")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.First.Client.DeleteAsync($"/api/v1/triggers/{triggerId}")).ExpectProblemAsync(HttpStatusCode.NotFound);

        await (await host.Client.DeleteAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.NoContent);
        await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await host.Factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), "{}"))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"system":"carrier_pigeon"}""", "system")]
    [InlineData("""{"system":"timer","options":{"cron":"61 * * * *"}}""", "options.cron")]
    [InlineData("""{"system":"timer","options":{"cron":"* * * * *","time_zone":"Mars/Olympus"}}""", "options.time_zone")]
    [InlineData("""{"system":"timer"}""", "options.cron")]
    [InlineData("""{"system":"webhook","options":{"cron":"* * * * *"}}""", "options")]
    [InlineData("""{"system":"webhook","credential_id":"cred_nope"}""", "credential_id")]
    [InlineData("""{"system":"webhook","bogus":1}""", "bogus")]
    public async Task BadTriggerInput_Is400_NamingTheField(string body, string field)
    {
        await using var host = await TriggerTestHost.StartAsync();
        var problem = await (await host.Client.PostJsonAsync($"/api/v1/agents/{host.AgentId}/triggers", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem["errors"]!.AsObject(), e => e.Key.Contains(field, StringComparison.Ordinal));
        Assert.Empty(await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<Trigger>());
    }
}

/// <summary>Events accepted while nothing consumes them (the consumer paused, as if the process died after answering 202).</summary>
public sealed class WebhookRestartTests
{
    /// <summary>A host whose bus never consumes, with a webhook trigger that has accepted <paramref name="deliveries"/> deliveries.</summary>
    private static async Task<(PlatformFactory Factory, SeededTenant Tenant, string TriggerId)> PausedHostWithDeliveriesAsync(int deliveries)
    {
        var factory = new PlatformFactory
        {
            ConfigureTestServices = services =>
            {
                services.Configure<AgentFunctions.Local.Events.LocalTimerOptions>(o => o.Enabled = false);
                services.Configure<AgentFunctions.Local.Events.LocalEventBusOptions>(o => o.Consumers = 0);
            },
        };
        var tenant = await factory.SeedTenantAsync();
        var agent = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", new { name = "a", scope = "team", system_prompt = "/answer ok" })).ExpectAsync(HttpStatusCode.Created);
        var agentId = agent["id"]!.GetValue<string>();
        var trigger = await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agentId}/triggers", new { system = "webhook" })).ExpectAsync(HttpStatusCode.Created);
        var triggerId = trigger["id"]!.GetValue<string>();
        var secret = trigger["signing_secret"]!.GetValue<string>();
        for (var i = 0; i < deliveries; i++)
        {
            await (await factory.CreateClient().SendAsync(TriggerTestHost.Signed(triggerId, secret, $$"""{"n":{{i}}}""", $"msg_{i}"))).ExpectAsync(HttpStatusCode.Accepted);
        }
        return (factory, tenant, triggerId);
    }

    [Fact]
    public async Task DeletingATrigger_DropsItsQueuedEvents_WithTheReason()
    {
        var (factory, tenant, triggerId) = await PausedHostWithDeliveriesAsync(3);
        using var _ = factory;

        (await tenant.First.Client.DeleteAsync($"/api/v1/triggers/{triggerId}")).EnsureSuccessStatusCode();

        var events = await factory.Store.For(tenant.Tenant).ListAsync<TriggerEvent>();
        Assert.Equal(3, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(TriggerEventStatus.Dropped, e.Value.Status);
            Assert.Equal(EventDispatcher.TriggerDeletedReason, e.Value.DropReason);
        });
    }

    [Fact]
    public async Task EventsAcceptedBeforeACrash_AreDispatchedAfterRestart_EachOnce()
    {
        var (first, tenant, _) = await PausedHostWithDeliveriesAsync(5);
        var queued = await first.Store.For(tenant.Tenant).ListAsync<TriggerEvent>();
        Assert.Equal(5, queued.Count);
        Assert.All(queued, e => Assert.Equal(TriggerEventStatus.Queued, e.Value.Status));

        await using var second = first.Restarted();
        first.Dispose();
        _ = second.Services; // starts the host: the resume sweep puts the queued events back on the bus
        await second.Services.GetRequiredService<AgentFunctions.Local.Events.LocalEventBus>().DrainAsync(TimeSpan.FromSeconds(30));
        var events = await second.Store.For(tenant.Tenant).ListAsync<TriggerEvent>();
        Assert.All(events, e => Assert.Equal(TriggerEventStatus.Started, e.Value.Status));
        Assert.Equal(5, (await second.Store.For(tenant.Tenant).ListAsync<Run>()).Count);
    }
}
