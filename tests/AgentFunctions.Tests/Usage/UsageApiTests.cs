using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Engine;
using AgentFunctions.Tests.Support;
using AgentFunctions.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Usage;

/// <summary>The issue's walkthrough through the local host: run, read usage, budget, rates, invoices and revisions.</summary>
public sealed class UsageApiTests : IAsyncLifetime
{
    private readonly RecordingToolExecutor tools = new();
    private PlatformFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = EngineTestHost.Create(tools);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Usage_AfterRuns_ByAgentAndModel_CountsTokensAndToolCalls_AndExportsCsv()
    {
        var (tenant, agentId, _) = await SeedAsync();
        for (var i = 0; i < 3; i++) await ExecuteAsync(tenant.First.Client, agentId, "hello\n/call builtin.current_time {}", "completed");

        var usage = await (await tenant.First.Client.GetAsync("/api/v1/usage?group_by=agent,model")).ExpectAsync(HttpStatusCode.OK);
        var rows = usage["items"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.True(rows.Count(r => r["meter"]!.GetValue<string>() == UsageMeters.ModelInputTokens) == 1, usage.ToJsonString());
        var input = Assert.Single(rows, r => r["meter"]!.GetValue<string>() == UsageMeters.ModelInputTokens);
        var toolCalls = Assert.Single(rows, r => r["meter"]!.GetValue<string>() == UsageMeters.ToolCalls);
        var seconds = Assert.Single(rows, r => r["meter"]!.GetValue<string>() == UsageMeters.RunSeconds);

        Assert.True(input["agent_id"]?.GetValue<string>() == agentId, usage.ToJsonString());
        Assert.Equal("offline", input["model"]!.GetValue<string>());
        Assert.Equal(6, input["events"]!.GetValue<long>()); // two model calls per run
        Assert.True(input["quantity"]!.GetValue<long>() > 0);
        Assert.Equal(3, toolCalls["quantity"]!.GetValue<long>());
        Assert.Equal(3, seconds["events"]!.GetValue<long>());

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/usage?group_by=model&group_by=day");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        var csv = await tenant.First.Client.SendAsync(csvRequest);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("meter,model,day,quantity,events\n", text);
        Assert.Contains($"{UsageMeters.ModelInputTokens},offline,{DateTimeOffset.UtcNow:yyyy-MM-dd},", text);
    }

    [Fact]
    public async Task Usage_Pages_WithItsCursor()
    {
        var (tenant, agentId, _) = await SeedAsync();
        await ExecuteAsync(tenant.First.Client, agentId, "hello\n/call builtin.current_time {}", "completed");

        var first = await (await tenant.First.Client.GetAsync("/api/v1/usage?limit=2")).ExpectAsync(HttpStatusCode.OK);
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = await (await tenant.First.Client.GetAsync($"/api/v1/usage?limit=2&cursor={Uri.EscapeDataString(cursor)}")).ExpectAsync(HttpStatusCode.OK);
        var otherList = await tenant.First.Client.GetAsync($"/api/v1/usage?limit=2&group_by=day&cursor={Uri.EscapeDataString(cursor)}");

        Assert.Equal(2, first["items"]!.AsArray().Count);
        Assert.NotEmpty(second["items"]!.AsArray());
        Assert.NotEqual(first["items"]![0]!["meter"]!.GetValue<string>(), second["items"]![0]!["meter"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, otherList.StatusCode);
    }

    [Theory]
    [InlineData("group_by=agent,colour")]
    [InlineData("from=2026-11-05&to=2026-11-01")]
    [InlineData("from=yesterday")]
    [InlineData("from=2025-01-01&to=2026-11-01")]
    [InlineData("sort=meter")]
    public async Task Usage_BadQuery_Is400Problem(string query)
    {
        var (tenant, _, _) = await SeedAsync();

        var response = await tenant.First.Client.GetAsync("/api/v1/usage?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TokenBudget_ARunCrossingIt_EndsBudgetExceeded_AndTheNextRunIsRefusedWith402()
    {
        var (tenant, agentId, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { limits = new { monthly_token_budget = 1 } });

        // The first model call starts under budget and is billed; the second, after the tool, would start over it.
        var run = await ExecuteAsync(tenant.First.Client, agentId, "hello\n/call builtin.current_time {}", "budget_exceeded");
        var refused = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "again" });
        var problem = await refused.ExpectAsync(HttpStatusCode.PaymentRequired);

        Assert.Contains("monthly_token_budget", run["reason"]!.GetValue<string>());
        Assert.DoesNotContain("[budget_exceeded]", run["reason"]!.GetValue<string>());
        Assert.Equal(1, run["usage"]!["model_calls"]!.GetValue<int>());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("monthly_token_budget", problem["limit"]!.GetValue<string>());
        var billed = await factory.Services.GetRequiredService<IUsageStore>().TotalAsync(tenant.Tenant, [UsageMeters.ModelInputTokens, UsageMeters.ToolCalls],
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(run["usage"]!["input_tokens"]!.GetValue<int>() + 1, billed);
    }

    [Fact]
    public async Task RequestRate_PerKey_PastTheLimit_Is429WithRetryAfter()
    {
        var (tenant, _, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { limits = new { requests_per_minute_per_key = 3 } });

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++) answers.Add(await tenant.First.Client.GetAsync("/api/v1/agents"));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        var limited = answers.Last();
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, limited.Headers.RetryAfter?.ToString());
        var problem = JsonNode.Parse(await limited.Content.ReadAsStringAsync())!;
        Assert.Equal("requests_per_minute_per_key", problem["limit"]!.GetValue<string>());
        // The platform key is not a tenant's and is not limited by its plan.
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(factory.PlatformKey).GetAsync($"/api/v1/plans/{plan}")).StatusCode);
    }

    [Fact]
    public async Task ActiveAgents_AtTheLimit_ANewOrReEnabledAgentIs429NamingTheLimit()
    {
        var (tenant, agentId, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { limits = new { active_agents = 1 } });

        var client = tenant.First.Client;

        var refused = await client.PostAsJsonAsync("/api/v1/agents", new { name = "second", scope = "team" });
        await (await client.PostAsync($"/api/v1/agents/{agentId}/disable", null)).ExpectAsync(HttpStatusCode.OK);
        await (await client.PostAsJsonAsync("/api/v1/agents", new { name = "second", scope = "team" })).ExpectAsync(HttpStatusCode.Created);
        var enableRefused = await client.PostAsync($"/api/v1/agents/{agentId}/enable", null);

        Assert.Equal("active_agents", (await refused.ExpectAsync(HttpStatusCode.TooManyRequests))["limit"]!.GetValue<string>());
        Assert.Equal("active_agents", (await enableRefused.ExpectAsync(HttpStatusCode.TooManyRequests))["limit"]!.GetValue<string>());
    }

    [Fact]
    public async Task Documents_AtTheLimit_AnotherUploadIs429_AndStorageBytesCountTheSizes()
    {
        var (tenant, _, plan) = await SeedAsync();
        var client = tenant.First.Client;
        var kb = (await (await client.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "limited" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        await PutPlanAsync(plan, new { limits = new { documents = 1, storage_bytes = 1000 } });

        var tooBig = await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name=big.txt", new StringContent(new string('x', 1001), System.Text.Encoding.UTF8, "text/plain"));
        await (await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name=a.txt", new StringContent("first", System.Text.Encoding.UTF8, "text/plain"))).ExpectAsync(HttpStatusCode.Accepted);
        var second = await client.PostAsync($"/api/v1/knowledge-bases/{kb}/documents?name=b.txt", new StringContent("second", System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal("storage_bytes", (await tooBig.ExpectAsync(HttpStatusCode.TooManyRequests))["limit"]!.GetValue<string>());
        Assert.Equal("documents", (await second.ExpectAsync(HttpStatusCode.TooManyRequests))["limit"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunsInFlight_AtTheLimit_AnotherRunIs429_WithRetryAfter()
    {
        var (tenant, agentId, plan) = await SeedAsync(FakeToolCatalog.Guarded);
        await PutPlanAsync(plan, new { limits = new { runs_in_flight = 1 } });
        var client = tenant.First.Client;

        // Waits for approval: in flight until someone decides.
        await (await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "/call test.guarded {}", wait = false })).ExpectAsync(HttpStatusCode.Accepted);
        var refused = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "another" });

        Assert.Equal("runs_in_flight", (await refused.ExpectAsync(HttpStatusCode.TooManyRequests))["limit"]!.GetValue<string>());
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task CancelledRun_ItsToolCallsAndSecondsAreCounted_Once()
    {
        var (tenant, agentId, _) = await SeedAsync(FakeToolCatalog.Clock, FakeToolCatalog.Guarded);
        var client = tenant.First.Client;
        var started = await (await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = "/call builtin.current_time {}\n/call test.guarded {}", wait = false })).ExpectAsync(HttpStatusCode.Accepted);
        var runId = started["id"]!.GetValue<string>();
        for (var i = 0; i < 600; i++)
        {
            var run = await (await client.GetAsync($"/api/v1/runs/{runId}")).ExpectAsync(HttpStatusCode.OK);
            if (run["status"]!.GetValue<string>() == "awaiting_approval") break;
            await Task.Delay(50);
        }

        await (await client.PostAsync($"/api/v1/runs/{runId}/cancel", null)).ExpectAsync(HttpStatusCode.OK);

        var store = factory.Services.GetRequiredService<IUsageStore>();
        var sums = await store.SumAsync(tenant.Tenant, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), UsageDimensions.Tool);
        Assert.Equal(1, Assert.Single(sums, t => t.Meter == UsageMeters.ToolCalls).Quantity);
        Assert.Equal(1, Assert.Single(sums, t => t.Meter == UsageMeters.RunSeconds).Events);
        Assert.Equal(2, sums.Single(t => t.Meter == UsageMeters.ModelInputTokens).Events);
    }

    [Fact]
    public async Task TriggerEventsPerDay_PastTheLimit_TheEventIsCountedAndDroppedWithTheReason()
    {
        var (tenant, agentId, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { limits = new { trigger_events_per_day = 1 } });
        var meter = factory.Services.GetRequiredService<TriggerUsageMeter>();
        var now = DateTimeOffset.UtcNow;
        AgentFunctions.Triggers.TriggerEvent Event(string id) => new(id, tenant.Tenant, "trg_1", agentId, AgentFunctions.Triggers.TriggerSystem.Webhook, now,
            default, AgentFunctions.Triggers.TriggerEventStatus.Queued, null, null, "src", now);

        var first = await meter.EventDispatchingAsync(Event("evt_a"), CancellationToken.None);
        var firstAgain = await meter.EventDispatchingAsync(Event("evt_a"), CancellationToken.None);
        var second = await meter.EventDispatchingAsync(Event("evt_b"), CancellationToken.None);

        Assert.Null(first);
        Assert.Null(firstAgain);
        Assert.Contains("trigger_events_per_day", second);
    }

    [Fact]
    public async Task Plans_EachPutIsANewVersion_AndBadPricesAre400()
    {
        var platform = factory.ClientWithKey(factory.PlatformKey);
        var plan = $"p-{Guid.NewGuid():N}"[..20];

        var v1 = await (await platform.SendJsonAsync(HttpMethod.Put, $"/api/v1/plans/{plan}", new { prices = new { tool_call = 0.001m } })).ExpectAsync(HttpStatusCode.OK);
        var v2 = await (await platform.SendJsonAsync(HttpMethod.Put, $"/api/v1/plans/{plan}", new { prices = new { tool_call = 0.002m } })).ExpectAsync(HttpStatusCode.OK);
        var current = await (await platform.GetAsync($"/api/v1/plans/{plan}")).ExpectAsync(HttpStatusCode.OK);
        var negative = await platform.SendJsonAsync(HttpMethod.Put, $"/api/v1/plans/{plan}", new { prices = new { tool_call = -1 } });
        var badId = await platform.SendJsonAsync(HttpMethod.Put, "/api/v1/plans/Not%20A%20Plan", new { prices = new { } });
        var missing = await platform.GetAsync("/api/v1/plans/never-written");

        Assert.Equal(1, v1["version"]!.GetValue<int>());
        Assert.Equal(2, v2["version"]!.GetValue<int>());
        Assert.Equal(2, current["version"]!.GetValue<int>());
        Assert.Equal(0.002m, current["prices"]!["tool_call"]!.GetValue<decimal>());
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task InvoiceDraft_GeneratedTwice_IsIdentical_ALateEventMakesANewRevision()
    {
        var (tenant, agentId, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { prices = new { default_model = new { input_per_1k = 0.5m, output_per_1k = 1.5m }, tool_call = 0.01m } });
        await ExecuteAsync(tenant.First.Client, agentId, "hello\n/call builtin.current_time {}", "completed");
        var client = tenant.First.Client;
        var period = new { period = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) };

        var first = await (await client.PostAsJsonAsync("/api/v1/invoices/drafts", period)).ExpectAsync(HttpStatusCode.OK);
        var second = await (await client.PostAsJsonAsync("/api/v1/invoices/drafts", period)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Equal(1, first["revision"]!.GetValue<int>());
        Assert.Contains(first["lines"]!.AsArray(), l => l!["meter"]!.GetValue<string>() == UsageMeters.ToolCalls && l["amount"]!.GetValue<decimal>() == 0.01m);

        // A late event: it happened this month, it is recorded after the draft.
        await factory.Services.GetRequiredService<UsageRecorder>().RecordAsync(new UsageEvent(tenant.Tenant, "late:1", UsageMeters.ToolCalls, 100,
            DateTimeOffset.UtcNow, Tool: "crm.lookup", AgentId: agentId));
        var third = await (await client.PostAsJsonAsync("/api/v1/invoices/drafts", period)).ExpectAsync(HttpStatusCode.OK);
        var firstAgain = await (await client.GetAsync($"/api/v1/invoices/{first["id"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK);
        var list = await (await client.GetAsync("/api/v1/invoices?limit=1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, third["revision"]!.GetValue<int>());
        Assert.Equal(first["id"]!.GetValue<string>(), third["supersedes"]!.GetValue<string>());
        Assert.Equal(first["total"]!.GetValue<decimal>() + 1.00m, third["total"]!.GetValue<decimal>());
        Assert.Equal(first.ToJsonString(), firstAgain.ToJsonString());
        Assert.Equal(third["id"]!.GetValue<string>(), list["items"]![0]!["id"]!.GetValue<string>());
        Assert.NotNull(list["next_cursor"]);

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/invoices/{third["id"]!.GetValue<string>()}");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        var csv = await (await client.SendAsync(csvRequest)).Content.ReadAsStringAsync();
        Assert.StartsWith("invoice_id,period,revision,meter,model,quantity,unit,unit_price,amount,currency,plan_version\n", csv);
        Assert.Contains($",total,,,,,{third["total"]!.GetValue<decimal>()},USD,", csv);
    }

    [Theory]
    [InlineData("{\"period\":\"2026-13\"}")]
    [InlineData("{\"period\":\"2999-01\"}")]
    [InlineData("{}")]
    public async Task InvoiceDraft_BadPeriod_Is400(string body)
    {
        var (tenant, _, _) = await SeedAsync();

        var response = await tenant.First.Client.PostAsync("/api/v1/invoices/drafts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>GET /api/v1/usage/limits: the plan's limits against what the tenant uses, counted as the limits are enforced.</summary>
    [Fact]
    public async Task UsageLimits_AfterARun_ShowsThePlanAndEachLimitAgainstItsUse()
    {
        var (tenant, agentId, plan) = await SeedAsync();
        await PutPlanAsync(plan, new { limits = new { monthly_token_budget = 1_000_000, active_agents = 5, documents = 10 } });
        await ExecuteAsync(tenant.First.Client, agentId, "hello\n/call builtin.current_time {}", "completed");

        var view = await (await tenant.First.Client.GetAsync("/api/v1/usage/limits")).ExpectAsync(HttpStatusCode.OK);
        var limits = view["limits"]!.AsArray().ToDictionary(l => l!["name"]!.GetValue<string>(), l => l!);
        var (monthStart, monthEnd) = UsageTally.MonthOf(DateTimeOffset.UtcNow);
        var tokens = await factory.Services.GetRequiredService<IUsageStore>().TotalAsync(tenant.Tenant, UsageMeters.BudgetTokens, monthStart, monthEnd);

        Assert.Equal(plan, view["plan_id"]!.GetValue<string>());
        Assert.Equal(1_000_000, limits["monthly_token_budget"]["limit"]!.GetValue<long>());
        Assert.True(tokens > 0);
        Assert.Equal(tokens, limits["monthly_token_budget"]["used"]!.GetValue<long>());
        Assert.Equal(5, limits["active_agents"]["limit"]!.GetValue<long>());
        Assert.Equal(1, limits["active_agents"]["used"]!.GetValue<long>());
        Assert.Equal(0, limits["documents"]["used"]!.GetValue<long>());
        Assert.Null(limits["runs_in_flight"]["limit"]);
        Assert.Null(limits["requests_per_minute_per_key"]["used"]);
    }

    private async Task PutPlanAsync(string plan, object body) =>
        await (await factory.ClientWithKey(factory.PlatformKey).SendJsonAsync(HttpMethod.Put, $"/api/v1/plans/{plan}", body)).ExpectAsync(HttpStatusCode.OK);

    /// <summary>A tenant on a plan of its own (written later by the test), an admin, and an agent allowed the clock tool.</summary>
    private async Task<(SeededTenant Tenant, string AgentId, string Plan)> SeedAsync(params string[] tools)
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var plan = $"t-{Guid.NewGuid():N}"[..20];
        var documents = factory.Store.For(tenant.Tenant);
        var record = (await documents.GetAsync<Tenant>(tenant.Tenant.Value))!;
        await documents.ReplaceAsync(record.Value with { Plan = plan }, record.ETag);
        var now = DateTimeOffset.UtcNow;
        var spec = new AgentSpec("Metered", null, AgentScope.Team, "offline", "You help.", [], tools.Length == 0 ? [FakeToolCatalog.Clock] : tools, KnowledgeSettings.Off, 10, AgentLimits.Default);
        var agent = new Agent(Ids.New("agt", 12), tenant.Tenant, tenant.First.UserId, tenant.TeamId, true, 1, 1, spec, now, now);
        await documents.CreateAsync(agent);
        return (tenant, agent.Id, plan);
    }

    private static async Task<JsonNode> ExecuteAsync(HttpClient client, string agentId, string input, string status)
    {
        var run = await (await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(run["status"]!.GetValue<string>() == status, run.ToJsonString());
        return run;
    }
}
